import type { TraceSettings } from "../../../protocol/api/trace.ts";
import { field, h, select, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { ViewContext } from "../shell.ts";
import { daysAgo, endOfToday, fromLocalInput, toLocalInput } from "../time.ts";
import { timeInput } from "../time-input.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TraceRequest {
  personId?: string;
  phone?: string;
  from: string;
  to: string;
  reason: string;
  depth: number;
  minOverlapMinutes: number;
}

/** The lookup form: who, the window (in TZ_DISPLAY), depth, minimum overlap and the case reference. */
export function caseForm(ctx: ViewContext, onRun: (body: TraceRequest) => Promise<void>) {
  const who = h("input", { name: "who", required: true, autocomplete: "off", inputmode: "text" });
  const from = timeInput({ name: "from", required: true, value: daysAgo(14) });
  const to = timeInput({ name: "to", required: true, value: endOfToday() });
  const depth = select([["1", "1"], ["2", "2"]], "1", { name: "depth" });
  const minOverlap = h("input", { name: "minOverlap", type: "number", min: "0", max: "600", step: "1", value: "1" });
  const reason = h("input", { name: "reason", required: true, maxlength: "200" });
  const run = h("button", { type: "submit" }, t("case.run"));
  const formStatus = h("p", { className: "status", role: "status" });
  const zone = ctx.boot.tzDisplay;
  const el = h(
    "form",
    { className: "trace-form", "aria-label": t("case.formLabel") },
    field(t("case.who"), who, t("case.whoHint")),
    h("div", { className: "row" }, field(`${t("case.from")} (${zone})`, from), field(`${t("case.to")} (${zone})`, to)),
    h("div", { className: "row" }, field(t("case.depthLabel"), depth), field(t("case.minOverlap"), minOverlap)),
    field(t("case.reason"), reason, t("case.reasonHint")),
    run,
    formStatus,
  );

  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fromIso = fromLocalInput(from.value);
    const toIso = fromLocalInput(to.value);
    if (!fromIso || !toIso || fromIso >= toIso) return status(formStatus, t("case.badWindow"), "error");
    const q = who.value.trim();
    run.disabled = true;
    try {
      await onRun({
        ...(UUID.test(q) ? { personId: q } : { phone: q }),
        from: fromIso,
        to: toIso,
        reason: reason.value.trim(),
        depth: Number(depth.value),
        minOverlapMinutes: Number(minOverlap.value || 1),
      });
    } finally {
      run.disabled = false;
    }
  });

  return {
    el,
    /** Shows what a re-opened trace was run with, so running it again is one click. */
    fill(personId: string, request: TraceSettings) {
      who.value = personId;
      from.value = toLocalInput(request.from);
      to.value = toLocalInput(request.to);
      depth.value = String(request.depth);
      minOverlap.value = String(request.minOverlapMinutes);
      reason.value = request.reason;
    },
    focus: () => who.focus(),
    status: (message: string, kind: "info" | "error" = "info") => status(formStatus, message, kind),
  };
}
