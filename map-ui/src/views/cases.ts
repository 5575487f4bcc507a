import type { CaseList, CaseListEntry } from "../../../protocol/api/trace.ts";
import { api, errorText } from "../api.ts";
import { clear, field, h, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { View } from "../shell.ts";
import { fmtDateTime, fromLocalInput } from "../time.ts";
import { timeInput } from "../time-input.ts";

/** One stored trace as GET /api/v1/traces lists it. */
export type CaseEntry = CaseListEntry;

/** Where a stored trace opens: the Cases view loads it by id instead of running it again. */
export const traceHref = (id: string) => `#/case?trace=${encodeURIComponent(id)}`;
export const personHref = (id: string) => `#/person/${encodeURIComponent(id)}`;

/** The case list (issue 13 part 1): stored traces newest first, filtered, paged; each opens as it was stored. */
export const casesView: View = (ctx, el) => {
  const q = h("input", { name: "q", maxlength: "200", autocomplete: "off" });
  const from = timeInput({ name: "from" });
  const to = timeInput({ name: "to" });
  const msg = h("p", { className: "status", role: "status" });
  const body = h("tbody", {});
  const more = h("button", { type: "button", hidden: true }, t("cases.more"));
  const empty = h("div", { className: "empty", hidden: true });
  const form = h(
    "form",
    { className: "filters", "aria-label": t("cases.filter") },
    h("div", { className: "row" }, field(t("cases.q"), q), field(`${t("cases.from")} (${ctx.boot.tzDisplay})`, from), field(`${t("cases.to")} (${ctx.boot.tzDisplay})`, to), h("button", { type: "submit" }, t("cases.search"))),
  );
  const table = h(
    "table",
    { className: "case-list" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        [t("cases.reference"), t("cases.index"), t("cases.window"), t("cases.depth"), t("cases.counts"), t("cases.by"), t("cases.at"), ""].map((label) =>
          h("th", { scope: "col" }, label),
        ),
      ),
    ),
    body,
  );
  el.append(h("section", { className: "panel wide" }, h("h1", {}, t("cases.title")), form, msg, empty, h("div", { className: "table-scroll" }, table), more));

  let next: string | null = null;
  let shown = 0;

  function row(c: CaseEntry) {
    const window = c.from && c.to ? `${fmtDateTime(c.from)} – ${fmtDateTime(c.to)}` : "";
    return h(
      "tr",
      {},
      h("td", {}, c.reason),
      h("td", {}, h("a", { href: personHref(c.index.personId) }, c.index.maskedName ?? t("person.unnamed"))),
      h("td", { className: "nowrap" }, window),
      h("td", { className: "num" }, c.depth),
      h("td", { className: "num" }, `${c.segments} / ${c.contacts}`),
      h("td", {}, c.by ?? ""),
      h("td", { className: "nowrap" }, fmtDateTime(c.at)),
      h("td", {}, h("a", { href: traceHref(c.id), "aria-label": t("cases.openTrace", { reference: c.reason }) }, t("cases.open"))),
    );
  }

  async function load(reset: boolean) {
    const params = new URLSearchParams({ limit: "50" });
    if (q.value.trim()) params.set("q", q.value.trim());
    const f = fromLocalInput(from.value);
    const u = fromLocalInput(to.value);
    if (f) params.set("from", f);
    if (u) params.set("to", u);
    if (!reset && next) params.set("cursor", next);
    try {
      const res = await api<CaseList>("GET", `/traces?${params}`);
      if (reset) {
        clear(body);
        shown = 0;
      }
      body.append(...res.traces.map(row));
      shown += res.traces.length;
      next = res.next;
      more.hidden = !next;
      // With no rows the empty block below says why; the status line stays for counts.
      status(msg, shown === 0 ? "" : t("cases.shown", { count: shown }));
      showEmpty(shown === 0, params.has("q") || params.has("from") || params.has("to"));
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  }

  /** No rows: either nothing was ever traced (say where traces come from) or the filters exclude everything (offer to clear them). */
  function showEmpty(none: boolean, filtered: boolean) {
    clear(empty);
    empty.hidden = !none;
    table.hidden = none;
    if (!none) return;
    if (filtered) {
      const reset = h("button", { type: "button", className: "secondary", onclick: () => (form.reset(), void load(true)) }, t("cases.clearFilters"));
      empty.append(h("p", {}, t("cases.noneFiltered")), reset);
    } else {
      empty.append(h("p", {}, t("cases.noneYet")), h("p", {}, h("a", { href: "#/case" }, t("cases.toCase"))));
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load(true);
  });
  more.addEventListener("click", () => void load(false));
  void load(true);
};
