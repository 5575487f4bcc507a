import { api, apiRoutes, apiUrl, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t } from "../i18n.ts";
import { createMap } from "../map.ts";
import type { View } from "../shell.ts";
import { daysAgo, endOfToday, fmtDateTime, fmtTime, fromLocalInput, toLocalInput } from "../time.ts";
import { contactName, createTraceMap, type Places } from "./case-map.ts";
import { contactPlaces } from "./case-places.ts";
import { onBoardAt, readTrace, visibleContacts, type Contact, type ContactFilter, type Trace } from "./trace-model.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Case view: find a person, trace their rides in a window, see and mark contacts, export. */
export const caseView: View = (ctx, el) => {
  const who = h("input", { name: "who", required: true, autocomplete: "off", inputmode: "text" });
  const from = h("input", { name: "from", type: "datetime-local", required: true, value: toLocalInput(daysAgo(14)) });
  const to = h("input", { name: "to", type: "datetime-local", required: true, value: toLocalInput(endOfToday()) });
  const depth = select([["1", "1"], ["2", "2"]], "1", { name: "depth" });
  const minOverlap = h("input", { name: "minOverlap", type: "number", min: "0", max: "600", step: "1", value: "1" });
  const reason = h("input", { name: "reason", required: true, maxlength: "200" });
  const run = h("button", { type: "submit" }, t("case.run"));
  const formStatus = h("p", { className: "status", role: "status" });
  const form = h(
    "form",
    { className: "trace-form", "aria-label": t("case.formLabel") },
    field(t("case.who"), who, t("case.whoHint")),
    h("div", { className: "row" }, field(`${t("case.from")} (${ctx.boot.tzDisplay})`, from), field(`${t("case.to")} (${ctx.boot.tzDisplay})`, to)),
    h("div", { className: "row" }, field(t("case.depthLabel"), depth), field(t("case.minOverlap"), minOverlap)),
    field(t("case.reason"), reason, t("case.reasonHint")),
    run,
    formStatus,
  );

  const results = h("div", { className: "results", hidden: true });
  const mapEl = h("div", { id: "case-map" });
  el.append(h("div", { className: "split" }, h("section", { className: "panel", "aria-label": t("nav.case") }, h("h1", {}, t("case.title")), form, results), h("div", { className: "map-wrap" }, mapEl)));
  const cm = createMap(mapEl, ctx.boot, { label: t("case.mapLabel") });

  let trace: Trace | null = null;
  let places = new Map<number, Places>();
  let selected: number | null = null;
  const filter: ContactFilter = { depth: "all", role: "all", sort: "risk" };
  const rowsByKey = new Map<number, HTMLTableRowElement>();
  const traceMap = createTraceMap(cm, (key) => selectContact(key, true));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fromIso = fromLocalInput(from.value);
    const toIso = fromLocalInput(to.value);
    if (!fromIso || !toIso || fromIso >= toIso) return status(formStatus, t("case.badWindow"), "error");
    const q = who.value.trim();
    const body = {
      ...(UUID.test(q) ? { personId: q } : { phone: q }),
      from: fromIso,
      to: toIso,
      reason: reason.value.trim(),
      depth: Number(depth.value),
      minOverlapMinutes: Number(minOverlap.value || 1),
    };
    run.disabled = true;
    status(formStatus, t("case.running"));
    try {
      const [raw, routes] = await Promise.all([api("POST", "/traces", body), apiRoutes()]);
      trace = readTrace(raw);
      places = await contactPlaces(trace, routes.has("/vehicles/{id}/track"));
      if (!cm.alive()) return;
      selected = null;
      status(formStatus, t("case.done", { segments: trace.segments.length, contacts: trace.contacts.length }));
      renderResults();
    } catch (err) {
      status(formStatus, errorText(err), "error");
    } finally {
      run.disabled = false;
    }
  });

  function renderResults() {
    if (!trace) return;
    const tr = trace;
    clear(results);
    results.hidden = false;
    rowsByKey.clear();
    const rows = visibleContacts(tr.contacts, filter);
    const actionStatus = h("p", { className: "status action-status", role: "status" });

    const markCase = h("button", { type: "button", onclick: () => void markIndex(markCase, actionStatus) }, t("case.markCase"));
    const markAll = h(
      "button",
      {
        type: "button",
        onclick: async () => {
          const people = [...new Set(rows.filter((r) => r.contact.role === "passenger" && r.contact.personId && r.contact.depth === 1).map((r) => r.contact.personId!))];
          if (people.length === 0 || !tr.id) return;
          markAll.disabled = true;
          try {
            // One call for the lot: the server checks every person is in this trace and audits each.
            await api("POST", `/traces/${encodeURIComponent(tr.id)}/mark`, { personIds: people, status: "close_contact" });
            for (const c of tr.contacts) if (c.personId && people.includes(c.personId)) c.status = "close_contact";
            renderResults();
            status(results.querySelector<HTMLElement>(".action-status")!, t("case.markedAll", { n: people.length }));
          } catch (err) {
            status(actionStatus, errorText(err), "error");
            markAll.disabled = false;
          }
        },
      },
      t("case.markAll"),
    );
    const exports = tr.id
      ? [
          h("a", { className: "button", href: apiUrl(`/traces/${encodeURIComponent(tr.id)}.csv`), download: `trace-${tr.id}.csv` }, t("case.exportCsv")),
          h("a", { className: "button", href: apiUrl(`/traces/${encodeURIComponent(tr.id)}.geojson`), download: `trace-${tr.id}.geojson` }, t("case.exportGeojson")),
        ]
      : h("span", { className: "hint" }, t("case.noExport"));

    results.append(
      h("h2", {}, t("case.resultTitle")),
      h("p", {}, t("case.summary", { segments: tr.segments.length, contacts: tr.contacts.length })),
      h("div", { className: "actions" }, markCase, markAll, exports),
      actionStatus,
      segmentsTable(tr),
      h("h3", { id: "contacts-title" }, t("case.contacts")),
      contactControls(),
      contactsTable(rows, actionStatus),
      timeSlider(tr) ?? "",
    );
    traceMap.show(tr, rows, places);
    if (selected !== null) selectContact(selected, false);
  }

  function segmentsTable(tr: Trace) {
    return h(
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
            h("td", {}, s.plate ?? s.vehicleId.slice(0, 8), s.routeId ? ` · ${s.routeId}` : ""),
            h("td", {}, fmtDateTime(s.from)),
            h("td", {}, fmtDateTime(s.to), s.alightEstimated ? h("span", { className: "badge" }, t("case.estimated")) : null),
            h("td", {}, s.tripId ? h("a", { href: `#/trips/${encodeURIComponent(s.tripId)}` }, t("case.openTrip")) : "—"),
          ),
        ),
      ),
    );
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

  function contactsTable(rows: { key: number; contact: Contact }[], actionStatus: HTMLElement) {
    const head = h(
      "tr",
      {},
      [t("col.contact"), t("col.role"), t("col.depth"), t("col.vehicle"), t("col.onBoard"), t("col.overlap"), t("col.risk"), t("col.action")].map((c) => h("th", { scope: "col" }, c)),
    );
    const body = h("tbody", {});
    for (const { key, contact: c } of rows) {
      const pick = h("button", { type: "button", className: "link", "aria-pressed": "false", onclick: () => selectContact(key, false) }, contactName(c));
      const marked = c.status === "close_contact" || c.status === "case";
      const markBtn =
        c.role === "passenger" && c.personId
          ? h(
              "button",
              { type: "button", disabled: marked, "aria-label": `${t("case.markContact")}: ${contactName(c)}`, onclick: (e: Event) => void mark(c, e.currentTarget as HTMLButtonElement, actionStatus) },
              marked ? t(`status.${c.status}`) : t("case.markContact"),
            )
          : null;
      const row = h(
        "tr",
        { "data-key": key, className: `contact-row depth-${c.depth >= 2 ? 2 : 1}${places.get(key)?.board ? "" : " no-place"}` },
        h("td", {}, pick),
        h("td", {}, t(`role.${c.role}`)),
        h("td", {}, String(c.depth)),
        h("td", {}, c.plate ?? c.vehicleId.slice(0, 8)),
        h("td", {}, `${fmtDateTime(c.from)}–${fmtTime(c.to).slice(0, 5)}`),
        h("td", { className: "num" }, c.overlapMinutes.toFixed(c.overlapMinutes < 10 ? 1 : 0)),
        h("td", { className: "num" }, c.risk.toFixed(2)),
        h("td", {}, markBtn),
      );
      row.addEventListener("click", (e) => {
        if ((e.target as HTMLElement).closest("button, a")) return;
        selectContact(key, false);
      });
      rowsByKey.set(key, row);
      body.append(row);
    }
    const table = h("table", { className: "contacts", "aria-labelledby": "contacts-title" }, h("thead", {}, head), body);
    return rows.length ? h("div", { className: "table-scroll" }, table) : h("p", {}, t("case.noContacts"));
  }

  function timeSlider(tr: Trace) {
    const times = [...tr.segments, ...tr.contacts].flatMap((x) => [Date.parse(x.from), Date.parse(x.to)]).filter(Number.isFinite);
    if (times.length === 0) return null;
    const min = Math.min(...times);
    const max = Math.max(...times);
    const slider = h("input", { type: "range", min: String(min), max: String(max), step: "60000", value: String(min) });
    const out = h("output", { "aria-live": "polite" });
    const update = () => {
      const at = Number(slider.value);
      const on = tr.contacts.filter((c) => onBoardAt(c, at)).length;
      const caseOn = tr.segments.some((s) => onBoardAt(s, at));
      out.textContent = t("case.atTime", { time: fmtDateTime(at), n: on, caseOn: caseOn ? t("case.caseOnBoard") : t("case.caseOff") });
      slider.setAttribute("aria-valuetext", fmtDateTime(at));
      for (const [key, row] of rowsByKey) row.classList.toggle("onboard", onBoardAt(tr.contacts[key]!, at));
      traceMap.setTime(at);
    };
    slider.addEventListener("input", update);
    queueMicrotask(update);
    return h("div", { className: "slider" }, field(t("case.slider"), slider), out);
  }

  function selectContact(key: number, fromMap: boolean) {
    selected = key;
    for (const [k, row] of rowsByKey) {
      const on = k === key;
      row.classList.toggle("selected", on);
      row.querySelector("button.link")?.setAttribute("aria-pressed", String(on));
    }
    traceMap.select(key);
    const row = rowsByKey.get(key);
    if (row && fromMap) {
      row.scrollIntoView({ block: "nearest" });
      row.querySelector<HTMLButtonElement>("button.link")?.focus();
    }
  }

  async function setStatus(personId: string, to: "case" | "close_contact", button: HTMLButtonElement, out: HTMLElement) {
    button.disabled = true;
    try {
      await api("POST", `/persons/${encodeURIComponent(personId)}/status`, { status: to, reason: trace?.reason || undefined });
      button.textContent = t(`status.${to}`);
      status(out, to === "case" ? t("case.markedCase") : t("case.markedContact"));
      return true;
    } catch (err) {
      button.disabled = false;
      status(out, errorText(err), "error");
      return false;
    }
  }
  const markIndex = (button: HTMLButtonElement, out: HTMLElement) => trace && setStatus(trace.index.personId, "case", button, out);
  async function mark(c: Contact, button: HTMLButtonElement, out: HTMLElement) {
    if (c.personId && (await setStatus(c.personId, "close_contact", button, out))) c.status = "close_contact";
  }

  who.focus();
  return { destroy: () => cm.destroy() };
};
