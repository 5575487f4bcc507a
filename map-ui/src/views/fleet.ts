import { api, apiUrl, errorText } from "../api.ts";
import { confirmAct } from "../confirm.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t, tn } from "../i18n.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";
import { loadVehicles, type VehicleSummary } from "../vehicles.ts";
import { showCredentials, type AgentCredentials } from "./fleet-credentials.ts";
import { routeAssign } from "./route-assign.ts";
import { routeLabels, timetableRoutes } from "../route-layer.ts";

const REFRESH_MS = 15_000;
const KINDS = (): [string, string][] => [
  ["bus", t("kind.bus")],
  ["taxi", t("kind.taxi")],
  ["ride_hail", t("kind.ride_hail")],
  ["coach", t("kind.coach")],
];

/** Fleet pages for operators: vehicles and their online status, register, correct, retire, posters, code rotation, agent resets. */
export const fleetView: View = (ctx, el) => {
  const isAdmin = ctx.user.role === "admin";
  const plate = h("input", { name: "plate", required: true, minlength: "2", maxlength: "20", autocomplete: "off" });
  const kind = select(KINDS(), "bus", { name: "kind" });
  // ROUTE_ID_MAX (protocol/fields.ts), written out: the console bundle does not carry zod.
  const route = h("input", { name: "routeId", maxlength: "64", autocomplete: "off", list: "timetable-routes" });
  // With a timetable imported the route must be one of its routes (the server refuses others): offer them as you type.
  const routeChoices = h("datalist", { id: "timetable-routes" });
  void timetableRoutes().then((list) => {
    const labels = routeLabels(list);
    for (const r of list) routeChoices.append(h("option", { value: r.id, label: labels.get(r.id)! }));
  });
  const capacity = h("input", { name: "capacity", type: "number", min: "1", max: "500" });
  const operator = h("input", { name: "operator", maxlength: "100", autocomplete: "organization" });
  const formMsg = h("p", { className: "status", role: "status" });
  const credentials = h("div", { className: "credentials-slot" });
  const form = h(
    "form",
    { className: "register", "aria-labelledby": "register-title" },
    h("h2", { id: "register-title" }, t("fleet.register")),
    h("div", { className: "row" }, field(t("fleet.plate"), plate), field(t("fleet.kind"), kind)),
    h("div", { className: "row" }, field(t("col.route"), route), field(t("fleet.capacity"), capacity)),
    routeChoices,
    isAdmin ? field(t("fleet.operator"), operator, t("fleet.operatorHint")) : null,
    h("button", { type: "submit" }, t("fleet.registerButton")),
    formMsg,
  );
  const tableMsg = h("p", { className: "status", role: "status" });
  const tableSlot = h("div", { className: "table-scroll" });
  // Printed codes carry PUBLIC_URL: unset, they point at localhost and no passenger's phone can open them.
  const publicUrlWarning = ctx.boot.publicUrlSet
    ? null
    : h("p", { className: "banner warning public-url-warning", role: "alert" }, t("fleet.publicUrlUnset", { url: ctx.boot.publicUrl }));
  el.append(
    h(
      "section",
      { className: "panel wide" },
      h("h1", {}, t("fleet.title")),
      publicUrlWarning,
      credentials,
      form,
      h("h2", { id: "vehicles-title" }, t("fleet.vehicles")),
      h("button", { type: "button", className: "secondary", onclick: () => void refresh() }, t("fleet.refresh")),
      tableMsg,
      tableSlot,
    ),
  );

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {
      plate: plate.value.trim(),
      kind: kind.value,
      ...(route.value.trim() ? { routeId: route.value.trim() } : {}),
      ...(capacity.value ? { capacity: Number(capacity.value) } : {}),
      ...(isAdmin && operator.value.trim() ? { operator: operator.value.trim() } : {}),
    };
    try {
      const created = await api<AgentCredentials>("POST", "/vehicles", body);
      status(formMsg, t("fleet.registered", { plate: created.plate }));
      form.reset();
      showCredentials(credentials, ctx.boot, created, t("fleet.credentialsTitle", { plate: created.plate }));
      await refresh();
    } catch (err) {
      status(formMsg, errorText(err), "error");
      plate.focus();
    }
  });

  /** Rows being edited are kept across the 15 s refresh, so a correction in progress is not wiped. */
  let editing = 0;
  /** A vehicle's route as the table shows it: the timetable's name for it, or the id as typed. */
  let routeText = (id: string | null) => id ?? "—";

  async function refresh() {
    if (editing > 0) return;
    const [vehicles, labels] = await Promise.all([loadVehicles().then((m) => [...m.values()]), timetableRoutes().then(routeLabels)]);
    if (editing > 0) return;
    routeText = (id) => (id === null ? "—" : (labels.get(id) ?? id));
    clear(tableSlot);
    status(tableMsg, t("fleet.count", { vehicles: tn("n.vehicles", vehicles.length), online: vehicles.filter((v) => v.online).length }));
    if (vehicles.length === 0) {
      tableSlot.append(h("p", { className: "empty" }, t("fleet.empty")));
      return;
    }
    tableSlot.append(
      h(
        "table",
        { className: "fleet", "aria-labelledby": "vehicles-title" },
        h(
          "thead",
          {},
          h("tr", {}, [t("fleet.plate"), t("fleet.kind"), t("col.route"), t("fleet.operator"), t("fleet.status"), t("fleet.lastSeen"), t("col.action")].map((c) => h("th", { scope: "col" }, c))),
        ),
        h("tbody", {}, vehicles.map(row)),
      ),
    );
  }

  const act = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (err) {
      status(tableMsg, errorText(err), "error");
    }
  };

  function row(v: VehicleSummary): HTMLTableRowElement {
    const rotate = h(
      "button",
      {
        type: "button",
        className: "secondary",
        "aria-label": `${t("fleet.rotate")} ${v.plate}`,
        onclick: act(async () => {
          if (!(await confirmAct({ title: t("fleet.rotateConfirm", { plate: v.plate }), confirm: t("fleet.rotate") }))) return;
          const res = await api<{ url?: string; code?: { url: string } }>("POST", `/vehicles/${v.id}/code/rotate`);
          status(tableMsg, t("fleet.rotated", { plate: v.plate, url: res.code?.url ?? res.url ?? "" }));
        }),
      },
      t("fleet.rotate"),
    );
    const reset = h(
      "button",
      {
        type: "button",
        className: "secondary",
        "aria-label": `${t("fleet.resetAgent")} ${v.plate}`,
        onclick: act(async () => {
          if (!(await confirmAct({ title: t("fleet.resetConfirm", { plate: v.plate }), body: t("fleet.resetBody"), confirm: t("fleet.resetAgent") }))) return;
          const res = await api<{ agent: { username: string; password: string } }>("POST", `/vehicles/${v.id}/agent/reset`);
          showCredentials(credentials, ctx.boot, { id: v.id, plate: v.plate, agent: res.agent }, t("fleet.resetTitle", { plate: v.plate }));
          status(tableMsg, t("fleet.resetDone", { plate: v.plate }));
        }),
      },
      t("fleet.resetAgent"),
    );
    const retire = h(
      "button",
      {
        type: "button",
        className: "danger",
        "aria-label": `${t("fleet.retire")} ${v.plate}`,
        onclick: act(async () => {
          if (!(await confirmAct({ title: t("fleet.retireConfirm", { plate: v.plate }), body: t("fleet.retireBody"), confirm: t("fleet.retire") }))) return;
          await api("POST", `/vehicles/${v.id}/retire`);
          status(tableMsg, t("fleet.retired", { plate: v.plate }));
          await refresh();
        }),
      },
      t("fleet.retire"),
    );
    const edit = h("button", { type: "button", className: "secondary", "aria-label": `${t("fleet.edit")} ${v.plate}`, onclick: () => startEdit() }, t("fleet.edit"));
    const routeCell = h("td", { className: "route" }, routeText(v.routeId));
    const tr = h(
      "tr",
      { "data-vehicle": v.id },
      h("td", { className: "plate" }, v.plate),
      h("td", {}, t(`kind.${v.kind}`)),
      routeCell,
      h("td", {}, v.operator ?? "—"),
      h("td", { className: v.online ? "online" : "offline" }, h("span", { className: "dot", "aria-hidden": "true" }), v.online ? t("live.online") : t("live.offline")),
      h("td", {}, v.lastSeenAt ? fmtDateTime(v.lastSeenAt) : "—"),
      h(
        "td",
        {},
        h(
          "div",
          { className: "row-actions" },
          edit,
          h("a", { href: apiUrl(`/vehicles/${v.id}/poster`), target: "_blank", rel: "noopener", className: "button secondary", "aria-label": `${t("fleet.poster")} ${v.plate}` }, t("fleet.poster")),
          rotate,
          reset,
          h("a", { href: `#/trips/vehicle/${v.id}`, "aria-label": `${t("nav.trips")} ${v.plate}` }, t("nav.trips")),
          routeAssign(v, tableMsg, (routeId) => (routeCell.textContent = routeText(routeId))),
          retire,
        ),
      ),
    );

    /** The row turns into a small form: plate, kind, capacity; saved with PATCH /vehicles/{id}. */
    function startEdit() {
      editing += 1;
      const plateIn = h("input", { value: v.plate, required: true, minlength: "2", maxlength: "20", "aria-label": `${t("fleet.plate")} (${v.plate})` });
      const kindIn = select(KINDS(), v.kind, { "aria-label": `${t("fleet.kind")} (${v.plate})` });
      const capIn = h("input", { type: "number", min: "1", max: "500", value: v.capacity ?? "", "aria-label": `${t("fleet.capacity")} (${v.plate})` });
      const msg = h("p", { className: "status", role: "status" });
      const save = h("button", { type: "submit" }, t("fleet.save"));
      const cancel = h("button", { type: "button", className: "secondary", onclick: () => done() }, t("common.cancel"));
      const editForm = h("form", { className: "vehicle-edit row" }, field(t("fleet.plate"), plateIn), field(t("fleet.kind"), kindIn), field(t("fleet.capacity"), capIn), save, cancel, msg);
      const editRow = h("tr", { className: "editing", "data-vehicle": v.id }, h("td", { colspan: 7 }, editForm));
      const done = (reload = false) => {
        editing -= 1;
        editRow.replaceWith(tr);
        if (reload) void refresh();
      };
      editForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        try {
          await api("PATCH", `/vehicles/${v.id}`, { plate: plateIn.value.trim(), kind: kindIn.value, capacity: capIn.value ? Number(capIn.value) : null });
          status(tableMsg, t("fleet.saved", { plate: plateIn.value.trim() }));
          done(true);
        } catch (err) {
          status(msg, errorText(err), "error");
          plateIn.focus();
        }
      });
      tr.replaceWith(editRow);
      plateIn.focus();
    }
    return tr;
  }

  void refresh().catch((err) => status(tableMsg, errorText(err), "error"));
  const timer = window.setInterval(() => void refresh().catch(() => {}), REFRESH_MS);
  return { destroy: () => clearInterval(timer) };
};
