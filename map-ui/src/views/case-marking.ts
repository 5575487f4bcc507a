import type { HealthStatus } from "../../../protocol/api/trace.ts";
import { api, errorText } from "../api.ts";
import { confirmAct } from "../confirm.ts";
import { clear, h, status } from "../dom.ts";
import { t, tn } from "../i18n.ts";
import { contactName } from "./case-map.ts";
import type { PersonRow, Trace } from "./trace-model.ts";

type Status = Exclude<HealthStatus, "clear">;
const REVERT = "/persons/{id}/status/revert";

/**
 * Marking people from a trace: asks first, naming and counting them, sets
 * their status (one call for several, which the server checks are in the
 * trace), and offers Undo where the server has the revert. `current` is the
 * trace shown now: an answer for one the tracer has left is not applied.
 */
export function caseMarking(deps: { current(): Trace | null; routes(): Set<string>; redraw(): void; status: HTMLElement }) {
  /** Sets these people's status after the tracer confirms, naming and counting them. */
  async function mark(rows: PersonRow[], to: Status) {
    const tr = deps.current();
    if (!tr || rows.length === 0) return;
    const names = rows.map((r) => contactName(r.first));
    const ok = await confirmAct({
      title: tn(to === "case" ? "confirm.markCase" : "confirm.markContacts", rows.length),
      body: t("confirm.markBody", { reason: tr.request.reason }),
      names,
      confirm: tn("confirm.markButton", rows.length),
    });
    if (!ok || tr !== deps.current()) return;
    const ids = rows.map((r) => r.first.personId!);
    try {
      if (ids.length > 1 && tr.id) {
        // One call for the lot: the server checks every person is in this trace and audits each.
        await api("POST", `/traces/${encodeURIComponent(tr.id)}/mark`, { personIds: ids, status: to });
      } else {
        await api("POST", `/persons/${encodeURIComponent(ids[0]!)}/status`, { status: to, reason: tr.request.reason || undefined });
      }
      const previous = new Map(tr.contacts.filter((c) => c.personId && ids.includes(c.personId)).map((c) => [c.personId!, c.status ?? null]));
      for (const c of tr.contacts) if (c.personId && ids.includes(c.personId)) c.status = to;
      deps.redraw();
      announceMarked(ids, names, to, previous);
    } catch (err) {
      status(deps.status, errorText(err), "error");
    }
  }

  async function markIndex() {
    const tr = deps.current();
    if (!tr) return;
    const ok = await confirmAct({ title: tn("confirm.markCase", 1), body: t("confirm.markBody", { reason: tr.request.reason }), names: [t("case.indexPerson")], confirm: tn("confirm.markButton", 1) });
    if (!ok || tr !== deps.current()) return;
    try {
      await api("POST", `/persons/${encodeURIComponent(tr.index.personId)}/status`, { status: "case", reason: tr.request.reason || undefined });
      announceMarked([tr.index.personId], [t("case.indexPerson")], "case", new Map());
    } catch (err) {
      status(deps.status, errorText(err), "error");
    }
  }

  /** What was just done, with an Undo where the server offers the revert (POST /persons/{id}/status/revert). */
  function announceMarked(ids: string[], names: string[], to: Status, previous: Map<string, string | null>) {
    clear(deps.status);
    deps.status.classList.remove("error");
    deps.status.append(tn(to === "case" ? "case.markedCase" : "case.markedContacts", ids.length, { names: names.slice(0, 3).join("、") }));
    if (!deps.routes().has(REVERT)) return;
    const tr = deps.current();
    const undo = h("button", { type: "button", className: "secondary undo" }, t("case.undo"));
    undo.addEventListener("click", async () => {
      undo.disabled = true;
      try {
        for (const id of ids) await api("POST", `/persons/${encodeURIComponent(id)}/status/revert`, { reason: `${t("case.undoReason")}: ${tr?.request.reason ?? ""}`.trim() });
        if (tr && tr === deps.current()) {
          for (const c of tr.contacts) if (c.personId && previous.has(c.personId)) c.status = (previous.get(c.personId) ?? null) as typeof c.status;
          deps.redraw();
        }
        clear(deps.status);
        deps.status.append(tn("case.undone", ids.length));
      } catch (err) {
        undo.disabled = false;
        status(deps.status, errorText(err), "error");
      }
    });
    deps.status.append(" ", undo);
  }

  return { mark, markIndex };
}
