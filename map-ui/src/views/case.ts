import type { StoredTrace } from "../../../protocol/api/trace.ts";
import { api, apiRoutes, apiUrl, errorText } from "../api.ts";
import { clear, field, h, select } from "../dom.ts";
import { t, tn } from "../i18n.ts";
import { createMap } from "../map.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";
import { caseForm, type TraceRequest } from "./case-form.ts";
import { caseMarking } from "./case-marking.ts";
import { createTraceMap, type Places } from "./case-map.ts";
import { contactPlaces } from "./case-places.ts";
import { timeSlider } from "./case-slider.ts";
import { peopleTable, segmentsTable } from "./case-tables.ts";
import { markablePeople, personOnBoardAt, visiblePeople, type ContactFilter, type PersonRow, type Trace } from "./trace-model.ts";


/**
 * Case view: find a person, trace their rides in a window (or re-open a stored
 * trace from #/case?trace={id}), see the contacts one row per person, mark them
 * after confirming, undo the last marking, export.
 */
export const caseView: View = (ctx, el) => {
  const results = h("div", { className: "results", hidden: true });
  const form = caseForm(ctx, runTrace);
  const mapEl = h("div", { id: "case-map" });
  el.append(
    h(
      "div",
      { className: "split case-split" },
      h("section", { className: "panel", "aria-label": t("nav.case") }, h("h1", {}, t("case.title")), form.el, results),
      h("div", { className: "map-wrap" }, mapEl),
    ),
  );
  const cm = createMap(mapEl, ctx.boot, { label: t("case.mapLabel") });

  let trace: Trace | null = null;
  let places = new Map<number, Places>();
  let people: PersonRow[] = [];
  let selected: number | null = null;
  let rowsByKey = new Map<number, HTMLTableRowElement>();
  let slider: ReturnType<typeof timeSlider> = null;
  let routes = new Set<string>();
  /** Every lookup gets a number; an answer for an older one is dropped, never drawn over a newer one. */
  let lookup = 0;
  const filter: ContactFilter = { depth: "all", role: "all", sort: "risk" };
  const traceMap = createTraceMap(cm, (contactKey) => {
    const person = people.find((p) => p.keys.includes(contactKey));
    if (person) selectPerson(person.key, true);
  });
  const actionStatus = h("div", { className: "status action-status", role: "status" });
  const marking = caseMarking({ current: () => trace, routes: () => routes, redraw: () => renderResults(), status: actionStatus });

  /** Forgets the shown trace at once: nothing of the previous case stays on screen while the next one loads, or after it fails. */
  function forget() {
    slider?.stop();
    slider = null;
    trace = null;
    people = [];
    selected = null;
    rowsByKey = new Map();
    clear(results);
    clear(actionStatus);
    results.hidden = true;
    traceMap.clear();
  }

  async function show(tr: Trace, mine: number) {
    const found = await contactPlaces(tr, routes.has("/vehicles/{id}/track"));
    if (mine !== lookup || !cm.alive()) return;
    trace = tr;
    places = found;
    form.status(t("case.done", { segments: tn("n.segments", tr.segments.length), contacts: tn("n.contacts", tr.contacts.length) }));
    renderResults();
    results.scrollIntoView({ block: "start" });
  }

  async function runTrace(body: TraceRequest) {
    const mine = ++lookup;
    forget();
    form.status(t("case.running"));
    try {
      const [answer, r] = await Promise.all([api<Trace>("POST", "/traces", body), apiRoutes()]);
      routes = r;
      if (mine !== lookup) return;
      history.replaceState(null, "", `#/case?trace=${encodeURIComponent(answer.id)}`);
      await show(answer, mine);
    } catch (err) {
      if (mine === lookup) form.status(errorText(err), "error");
    }
  }

  /** Re-opens a stored trace as it was run: GET /traces/{id} reads it, it does not run it again. */
  async function reopen(id: string) {
    const mine = ++lookup;
    forget();
    form.status(t("case.opening"));
    try {
      const [stored, r] = await Promise.all([api<StoredTrace>("GET", `/traces/${encodeURIComponent(id)}`), apiRoutes()]);
      routes = r;
      if (mine !== lookup) return;
      await show(stored, mine);
      if (trace) form.fill(trace.index.personId, trace.request);
    } catch (err) {
      if (mine === lookup) form.status(errorText(err), "error");
    }
  }

  function renderResults() {
    if (!trace) return;
    const tr = trace;
    slider?.stop();
    clear(results);
    results.hidden = false;
    people = visiblePeople(tr.contacts, filter);
    const markable = markablePeople(people);
    const markCase = h("button", { type: "button", onclick: () => void marking.markIndex() }, t("case.markCase"));
    const markAll =
      markable.length > 0 && tr.id
        ? h("button", { type: "button", onclick: () => void marking.mark(markable, "close_contact") }, tn("case.markAll", markable.length))
        : null;
    const exports = tr.id
      ? [
          h("a", { className: "button secondary", href: apiUrl(`/traces/${encodeURIComponent(tr.id)}.csv`), download: `trace-${tr.id}.csv` }, t("case.exportCsv")),
          h("a", { className: "button secondary", href: apiUrl(`/traces/${encodeURIComponent(tr.id)}.geojson`), download: `trace-${tr.id}.geojson` }, t("case.exportGeojson")),
        ]
      : h("span", { className: "hint" }, t("case.noExport"));
    const table = peopleTable(people, {
      select: (key) => selectPerson(key, false),
      mark: (row) => void marking.mark([row], "close_contact"),
      personLink: (row) => (row.first.personId && routes.has("/persons/{id}") ? `#/person/${encodeURIComponent(row.first.personId)}` : null),
    });
    rowsByKey = table.rowsByKey;
    slider = timeSlider(tr, (at) => {
      const on = people.filter((p) => personOnBoardAt(p, at)).length;
      const caseOn = tr.segments.some((s) => Date.parse(s.from) <= at && at < Date.parse(s.to));
      for (const p of people) rowsByKey.get(p.key)?.classList.toggle("onboard", personOnBoardAt(p, at));
      traceMap.setTime(at);
      return t("case.atTime", { time: fmtDateTime(at), people: tn("n.people", on), caseOn: caseOn ? t("case.caseOnBoard") : t("case.caseOff") });
    });

    results.append(
      h("h2", {}, t("case.resultTitle")),
      h(
        "p",
        { className: "trace-summary" },
        t("case.summary", { segments: tn("n.segments", tr.segments.length), people: tn("n.people", people.length) }),
        tr.request.reason ? ` ${t("case.reference", { reason: tr.request.reason })}` : "",
      ),
      h("div", { className: "actions" }, markCase, markAll, exports),
      actionStatus,
      segmentsTable(tr),
      h("h3", { id: "contacts-title" }, t("case.contacts")),
      contactControls(),
      table.el,
      slider?.el ?? "",
    );
    traceMap.show(tr, places);
    if (selected !== null) selectPerson(selected, false);
  }

  function contactControls() {
    const sort = select([["risk", t("sort.risk")], ["overlap", t("sort.overlap")], ["time", t("sort.time")]], filter.sort);
    const depthF = select([["all", t("filter.all")], ["1", "1"], ["2", "2"]], filter.depth);
    const roleF = select([["all", t("filter.all")], ["passenger", t("role.passenger")], ["driver", t("role.driver")]], filter.role);
    sort.addEventListener("change", () => ((filter.sort = sort.value as ContactFilter["sort"]), renderResults(), focusControl(0)));
    depthF.addEventListener("change", () => ((filter.depth = depthF.value as ContactFilter["depth"]), renderResults(), focusControl(1)));
    roleF.addEventListener("change", () => ((filter.role = roleF.value as ContactFilter["role"]), renderResults(), focusControl(2)));
    return h("div", { className: "row contact-controls" }, field(t("case.sortBy"), sort), field(t("case.filterDepth"), depthF), field(t("case.filterRole"), roleF));
  }
  // Re-rendering replaces the controls; keep keyboard focus where the user was.
  const focusControl = (i: number) => results.querySelectorAll<HTMLSelectElement>(".contact-controls select")[i]?.focus();

  function selectPerson(key: number, fromMap: boolean) {
    selected = key;
    for (const [k, row] of rowsByKey) {
      const on = k === key;
      row.classList.toggle("selected", on);
      row.querySelector("button.link")?.setAttribute("aria-pressed", String(on));
    }
    traceMap.select(people.find((p) => p.key === key)?.keys ?? []);
    const row = rowsByKey.get(key);
    if (row && fromMap) {
      row.scrollIntoView({ block: "nearest" });
      row.querySelector<HTMLButtonElement>("button.link")?.focus();
    }
  }

  const wanted = new URLSearchParams(location.hash.split("?")[1] ?? "").get("trace");
  if (wanted) void reopen(wanted);
  else form.focus();
  return {
    destroy: () => {
      lookup += 1;
      slider?.stop();
      cm.destroy();
    },
  };
};
