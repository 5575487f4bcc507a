import { h } from "../dom.ts";
import { routeText } from "../route-layer.ts";
import { t, tn } from "../i18n.ts";
import { fmtDateTime, fmtTime } from "../time.ts";
import { contactName } from "./case-map.ts";
import type { Contact, PersonRow, Trace } from "./trace-model.ts";

/** The segments the case rode, each with a link to its trip. */
export function segmentsTable(tr: Trace) {
  return h(
    "div",
    { className: "table-scroll" },
    h(
      "table",
      { className: "segments", "aria-label": t("case.segments") },
      h("caption", {}, t("case.segments")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("col.vehicle")), h("th", { scope: "col" }, t("col.boarded")), h("th", { scope: "col" }, t("col.alighted")), h("th", { scope: "col" }, t("col.trip")))),
      h(
        "tbody",
        {},
        tr.segments.map((s) =>
          h(
            "tr",
            {},
            h("td", {}, s.plate ?? "—", s.routeId ? [" · ", routeText(s.routeId)] : ""),
            h("td", {}, fmtDateTime(s.from)),
            h("td", {}, fmtDateTime(s.to), s.alightEstimated ? h("span", { className: "badge" }, t("case.estimated")) : null),
            h("td", {}, s.tripId ? h("a", { href: `#/trips/${encodeURIComponent(s.tripId)}` }, t("case.openTrip")) : "—"),
          ),
        ),
      ),
    ),
  );
}

/** The risk score's level, so a number has a scale: 0.5 and up high, 0.2 and up medium. */
export const riskLevel = (risk: number) => (risk >= 0.5 ? "high" : risk >= 0.2 ? "medium" : "low");

/** "11-27 16:10–16:30": one shared interval, short enough for a narrow column. */
const interval = (c: Contact) => `${fmtDateTime(c.from).slice(5)}–${fmtTime(c.to).slice(0, 5)}`;
const minutes = (m: number) => m.toFixed(m < 10 ? 1 : 0);

export interface PersonTableHooks {
  select(key: number): void;
  mark(row: PersonRow): void;
  personLink(row: PersonRow): string | null;
}

/**
 * One row per person: their nearest depth, total time shared, highest risk and
 * status, with every segment folded under the name. Five columns, so the
 * table (and the status column) fits the panel at 1366 px.
 */
export function peopleTable(rows: PersonRow[], hooks: PersonTableHooks) {
  const rowsByKey = new Map<number, HTMLTableRowElement>();
  const body = h("tbody", {});
  for (const r of rows) {
    const c = r.first;
    const name = contactName(c);
    const pick = h("button", { type: "button", className: "link", "aria-pressed": "false", onclick: () => hooks.select(r.key) }, name);
    const link = hooks.personLink(r);
    const meta = h(
      "div",
      { className: "meta" },
      `${t(`role.${c.role}`)} · ${t("case.depth")} ${r.depth}`,
      link ? [" · ", h("a", { href: link }, t("case.personPage"))] : null,
    );
    const segments =
      r.segments.length > 1
        ? h(
            "details",
            { className: "person-segments" },
            h("summary", {}, tn("n.segments", r.segments.length)),
            h(
              "ul",
              {},
              r.segments.map((s) => h("li", {}, `${s.plate ?? "—"} ${interval(s)} · ${minutes(s.overlapMinutes)} ${t("unit.min")} · ${s.risk.toFixed(2)}`)),
            ),
          )
        : null;
    const marked = c.status === "close_contact" || c.status === "case";
    // "clear" is everyone's default: only a status that asks something of the person is shown.
    const stack = h("div", { className: "status-stack" }, marked ? h("span", { className: `status-badge ${c.status}` }, t(`status.${c.status}`)) : null);
    const statusCell = h("td", { className: "status-cell" }, stack);
    if (c.role === "passenger" && c.personId && !marked) {
      stack.append(h("button", { type: "button", className: "mark", "aria-label": `${t("case.markContact")}: ${name}`, onclick: () => hooks.mark(r) }, t("case.mark")));
    }
    const level = riskLevel(r.maxRisk);
    const row = h(
      "tr",
      { "data-key": r.key, className: `contact-row depth-${r.depth >= 2 ? 2 : 1}` },
      h("td", { className: "who" }, pick, meta, segments),
      h("td", { className: "when" }, r.segments[0] ? `${r.segments[0].plate ?? ""} ${interval(r.segments[0])}`.trim() : "—", r.segments.length > 1 ? ` +${r.segments.length - 1}` : ""),
      h("td", { className: "num" }, minutes(r.totalOverlap)),
      h("td", { className: `num risk ${level}` }, r.maxRisk.toFixed(2), h("span", { className: "risk-level" }, t(`risk.${level}`))),
      statusCell,
    );
    row.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest("button, a, summary")) return;
      hooks.select(r.key);
    });
    rowsByKey.set(r.key, row);
    body.append(row);
  }
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, t("col.contact")),
    h("th", { scope: "col" }, t("col.onBoard")),
    // "Overlap (min)" does not fit a phone's narrow column: there it reads "Min", the full name as its title.
    h("th", { scope: "col", className: "num" }, h("span", { className: "label-long" }, t("col.overlap")), h("abbr", { className: "label-short", title: t("col.overlap") }, t("col.overlapShort"))),
    h("th", { scope: "col", className: "num", "aria-describedby": "risk-help" }, t("col.risk")),
    h("th", { scope: "col" }, t("col.status")),
  );
  const el = rows.length
    ? h(
        "div",
        {},
        h("div", { className: "table-scroll" }, h("table", { className: "contacts", "aria-labelledby": "contacts-title" }, h("thead", {}, head), body)),
        h("p", { id: "risk-help", className: "hint risk-help" }, t("case.riskHelp")),
      )
    : h("p", { className: "empty" }, t("case.noContacts"));
  return { el, rowsByKey };
}
