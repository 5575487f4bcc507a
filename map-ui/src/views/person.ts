import type { PersonPage } from "../../../protocol/api/persons.ts";
import type { HealthStatus } from "../../../protocol/api/trace.ts";
import { api, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";
import { personHref, traceHref } from "./cases.ts";
import { routeText } from "../route-layer.ts";

const table = (head: string[], rows: HTMLElement[], empty: string, className: string) =>
  rows.length === 0
    ? h("p", { className: "status" }, empty)
    : h("div", { className: "table-scroll" }, h("table", { className }, h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows)));

/**
 * A person's page (issue 11 part 5, issue 13 part 1): status in force with
 * its quarantine end, set/clear and undo with a reason, the history, rides and
 * the traces that listed them. `#/person/{id}`.
 */
export const personView: View = (ctx, el, params) => {
  const lookup = h("input", { name: "personId", maxlength: "36", autocomplete: "off", value: params[0] ?? "" });
  const lookupForm = h(
    "form",
    { className: "row", "aria-label": t("person.lookup") },
    field(t("person.lookup"), lookup),
    h("button", { type: "submit" }, t("person.show")),
  );
  const msg = h("p", { className: "status", role: "status" });
  const slot = h("div", {});
  el.append(h("section", { className: "panel wide" }, h("h1", {}, t("person.title")), lookupForm, msg, slot));
  lookupForm.addEventListener("submit", (e) => {
    e.preventDefault();
    if (lookup.value.trim()) ctx.navigate(personHref(lookup.value.trim()));
  });

  const id = params[0];
  if (!id) return;

  async function load() {
    try {
      const p = await api<PersonPage>("GET", `/persons/${encodeURIComponent(id!)}`);
      clear(slot);
      slot.append(...render(p));
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  }

  function statusControls(p: PersonPage) {
    const next = select(
      (["case", "close_contact", "clear"] as const).map((s) => [s, t(`status.${s}`)]),
      p.status === "clear" ? "close_contact" : "clear",
      { name: "status" },
    );
    const reason = h("input", { name: "reason", maxlength: "500", required: true, autocomplete: "off" });
    const out = h("p", { className: "status", role: "status" });
    const act = async (run: () => Promise<{ status: HealthStatus }>) => {
      if (!reason.value.trim()) return status(out, t("person.reasonRequired"), "error");
      try {
        const res = await run();
        await load();
        status(msg, t("person.changed", { status: t(`status.${res.status}`) }));
      } catch (err) {
        status(out, errorText(err), "error");
      }
    };
    const form = h(
      "form",
      { className: "status-change", "aria-labelledby": "person-change-title" },
      h("h2", { id: "person-change-title" }, t("person.change")),
      h("div", { className: "row" }, field(t("person.newStatus"), next), field(t("person.reason"), reason), h("button", { type: "submit" }, t("person.set"))),
      p.history.length > 0
        ? h(
            "button",
            {
              type: "button",
              className: "secondary",
              onclick: () => {
                if (!reason.value.trim()) return status(out, t("person.reasonRequired"), "error");
                if (!confirm(t("person.revertConfirm"))) return;
                void act(() => api("POST", `/persons/${encodeURIComponent(p.id)}/status/revert`, { reason: reason.value.trim() }));
              },
            },
            t("person.revert"),
          )
        : null,
      out,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void act(() => api("POST", `/persons/${encodeURIComponent(p.id)}/status`, { status: next.value, reason: reason.value.trim() }));
    });
    return form;
  }

  function eraseControls(p: PersonPage) {
    const reason = h("input", { name: "eraseReason", maxlength: "500", autocomplete: "off" });
    const out = h("p", { className: "status", role: "status" });
    const button = h("button", { type: "button", className: "danger" }, t("person.eraseButton"));
    button.addEventListener("click", async () => {
      if (!reason.value.trim()) return status(out, t("person.reasonRequired"), "error");
      if (!confirm(t("person.eraseConfirm"))) return;
      try {
        await api("POST", `/persons/${encodeURIComponent(p.id)}/erase`, { reason: reason.value.trim() });
        status(msg, t("person.erasedNow"));
        await load();
      } catch (err) {
        status(out, errorText(err), "error");
      }
    });
    return h("section", { className: "erase", "aria-labelledby": "person-erase-title" }, h("h2", { id: "person-erase-title" }, t("person.erase")), h("div", { className: "row" }, field(t("person.reason"), reason), button), out);
  }

  function render(p: PersonPage): HTMLElement[] {
    const since = p.statusSince ? t("person.since", { at: fmtDateTime(p.statusSince) }) : "";
    const until = p.statusExpiresAt ? t("person.until", { at: fmtDateTime(p.statusExpiresAt) }) : "";
    const summary = h(
      "div",
      { className: "person-summary" },
      h("h2", {}, p.maskedName ?? t("person.unnamed"), " ", h("small", {}, p.id)),
      p.erased && p.erasedAt ? h("p", {}, t("person.erased", { at: fmtDateTime(p.erasedAt) })) : null,
      h("p", {}, `${t("person.statusNow")}: `, h("strong", { className: `health ${p.status}`, "data-testid": "person-status" }, t(`status.${p.status}`)), " ", [since, until].filter(Boolean).join(" · ")),
    );
    const history = p.history.map((x) =>
      h(
        "tr",
        {},
        h("td", { className: "nowrap" }, fmtDateTime(x.at)),
        h("td", {}, t(`status.${x.status}`)),
        h("td", {}, t(`status.${x.previous}`)),
        h("td", {}, x.reason ?? ""),
        h("td", {}, x.by ?? t("person.system")),
      ),
    );
    const rides = p.rides.map((r) =>
      h(
        "tr",
        {},
        h("td", {}, r.plate, r.routeId ? [" · ", routeText(r.routeId)] : "", r.seat ? ` · ${r.seat}` : ""),
        h("td", { className: "nowrap" }, fmtDateTime(r.from)),
        h("td", { className: "nowrap" }, fmtDateTime(r.to), r.alightEstimated ? ` ${t("person.estimated")}` : ""),
      ),
    );
    const traces = p.traces.map((x) =>
      h(
        "tr",
        {},
        h("td", {}, h("a", { href: traceHref(x.traceId) }, x.reason)),
        h("td", {}, x.role === "index" ? t("person.roleIndex") : t("person.roleContact")),
        h("td", {}, x.by ?? ""),
        h("td", { className: "nowrap" }, fmtDateTime(x.at)),
      ),
    );
    return [
      summary,
      p.erased ? h("span", {}) : statusControls(p),
      h("h2", {}, t("person.history")),
      table([t("person.at"), t("person.statusNow"), t("person.previous"), t("person.reason"), t("person.by")], history, t("person.historyNone"), "person-history"),
      h("h2", {}, t("person.rides")),
      table([t("person.vehicle"), t("person.boarded"), t("person.until2")], rides, t("person.ridesNone"), "person-rides"),
      h("h2", {}, t("person.traces")),
      table([t("cases.reference"), t("person.role"), t("cases.by"), t("cases.at")], traces, t("person.tracesNone"), "person-traces"),
      ctx.user.role === "admin" && !p.erased ? eraseControls(p) : h("span", {}),
    ];
  }

  void load();
};
