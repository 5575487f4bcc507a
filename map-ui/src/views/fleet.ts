import { api, apiUrl, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";
import { loadVehicles, type VehicleSummary } from "../vehicles.ts";
import { routeAssign } from "./route-assign.ts";

interface Registered {
  id: string;
  plate: string;
  code: { id: string; url: string };
  agent: { username: string; password: string };
}

const REFRESH_MS = 15_000;

/** Fleet pages for operators: vehicles and their online status, register, posters, code rotation. */
export const fleetView: View = (ctx, el) => {
  const isAdmin = ctx.user.role === "admin";
  const plate = h("input", { name: "plate", required: true, minlength: "2", maxlength: "20", autocomplete: "off" });
  const kind = select([["bus", t("kind.bus")], ["taxi", t("kind.taxi")], ["ride_hail", t("kind.ride_hail")], ["coach", t("kind.coach")]], "bus", { name: "kind" });
  const route = h("input", { name: "routeId", maxlength: "32", autocomplete: "off" });
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
    isAdmin ? field(t("fleet.operator"), operator, t("fleet.operatorHint")) : null,
    h("button", { type: "submit" }, t("fleet.registerButton")),
    formMsg,
  );
  const tableMsg = h("p", { className: "status", role: "status" });
  const tableSlot = h("div", { className: "table-scroll" });
  el.append(
    h(
      "section",
      { className: "panel wide" },
      h("h1", {}, t("fleet.title")),
      credentials,
      form,
      h("h2", { id: "vehicles-title" }, t("fleet.vehicles")),
      h("button", { type: "button", onclick: () => void refresh() }, t("fleet.refresh")),
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
      const created = await api<Registered>("POST", "/vehicles", body);
      status(formMsg, t("fleet.registered", { plate: created.plate }));
      form.reset();
      showCredentials(created);
      await refresh();
    } catch (err) {
      status(formMsg, errorText(err), "error");
    }
  });

  /** The agent's password exists only in this response; show it once, with a way to copy it. */
  function showCredentials(v: Registered) {
    clear(credentials);
    const close = h("button", { type: "button", onclick: () => clear(credentials) }, t("fleet.stored"));
    const box = h(
      "section",
      { className: "credentials", role: "alertdialog", "aria-labelledby": "cred-title", "aria-describedby": "cred-warning" },
      h("h2", { id: "cred-title" }, t("fleet.credentialsTitle", { plate: v.plate })),
      h("p", { id: "cred-warning", className: "warning" }, t("fleet.onceWarning")),
      h(
        "dl",
        { className: "facts" },
        h("dt", {}, t("fleet.agentUser")),
        h("dd", {}, h("code", { className: "agent-username" }, v.agent.username)),
        h("dt", {}, t("fleet.agentPassword")),
        h("dd", {}, h("code", { className: "agent-password" }, v.agent.password)),
        h("dt", {}, t("fleet.codeUrl")),
        h("dd", {}, h("code", {}, v.code.url)),
      ),
      h("p", {}, h("a", { href: apiUrl(`/vehicles/${v.id}/poster`), target: "_blank", rel: "noopener", className: "button poster-link" }, t("fleet.poster"))),
      close,
    );
    credentials.append(box);
    close.focus();
  }

  async function refresh() {
    const vehicles = [...(await loadVehicles()).values()];
    clear(tableSlot);
    status(tableMsg, t("fleet.count", { n: vehicles.length, online: vehicles.filter((v) => v.online).length }));
    if (vehicles.length === 0) return;
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

  function row(v: VehicleSummary) {
    const rotate = h(
      "button",
      {
        type: "button",
        "aria-label": `${t("fleet.rotate")} ${v.plate}`,
        onclick: async () => {
          if (!confirm(t("fleet.rotateConfirm", { plate: v.plate }))) return;
          try {
            const res = await api<{ url?: string; code?: { url: string } }>("POST", `/vehicles/${v.id}/code/rotate`);
            status(tableMsg, t("fleet.rotated", { plate: v.plate, url: res.code?.url ?? res.url ?? "" }));
          } catch (err) {
            status(tableMsg, errorText(err), "error");
          }
        },
      },
      t("fleet.rotate"),
    );
    return h(
      "tr",
      { "data-vehicle": v.id },
      h("td", {}, v.plate),
      h("td", {}, t(`kind.${v.kind}`)),
      h("td", {}, v.routeId ?? "—"),
      h("td", {}, v.operator ?? "—"),
      h("td", { className: v.online ? "online" : "offline" }, h("span", { className: "dot", "aria-hidden": "true" }), v.online ? t("live.online") : t("live.offline")),
      h("td", {}, v.lastSeenAt ? fmtDateTime(v.lastSeenAt) : "—"),
      h(
        "td",
        { className: "actions" },
        h("a", { href: apiUrl(`/vehicles/${v.id}/poster`), target: "_blank", rel: "noopener", "aria-label": `${t("fleet.poster")} ${v.plate}` }, t("fleet.poster")),
        " ",
        rotate,
        " ",
        h("a", { href: `#/trips/vehicle/${v.id}`, "aria-label": `${t("nav.trips")} ${v.plate}` }, t("nav.trips")),
        " ",
        routeAssign(v, tableMsg),
      ),
    );
  }

  void refresh().catch((err) => status(tableMsg, errorText(err), "error"));
  const timer = window.setInterval(() => void refresh().catch(() => {}), REFRESH_MS);
  return { destroy: () => clearInterval(timer) };
};
