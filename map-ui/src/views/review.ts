import { api, errorText } from "../api.ts";
import { clear, h, select, status } from "../dom.ts";
import { getLang } from "../i18n.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";

interface Application {
  id: string;
  status: "pending" | "approved" | "rejected";
  reason: string | null;
  createdAt: string;
  operator: string | null;
  vehicle: { id: string; plate: string; kind: string; code: { url: string } | null };
  driverName: string;
  phone: string;
  licence: string;
}

// This view's own words, so it adds nothing to the shared dictionary but its menu label.
const words = {
  en: {
    title: "Applications",
    intro: "Vehicles whose owners or drivers applied for a code themselves. Their codes already work; approve them, or reject with a reason (the code then stops working and the applicant is told).",
    show: "Show",
    pending: "Pending",
    approved: "Approved",
    rejected: "Rejected",
    none: "Nothing here.",
    plate: "Plate",
    kind: "Kind",
    operator: "Operator",
    independent: "Independent",
    driver: "Driver",
    licence: "Licence",
    applied: "Applied",
    reason: "Reason",
    approve: "Approve",
    reject: "Reject",
    reasonPrompt: "Why is {plate} rejected? The applicant reads this.",
    decided: "{plate}: {status}.",
  },
  "zh-CN": {
    title: "乘车码申请",
    intro: "车主或司机自助申请的车辆，乘车码已生效。请审核通过，或填写原因驳回（驳回后乘车码停用，并通知申请人）。",
    show: "显示",
    pending: "待审核",
    approved: "已通过",
    rejected: "已驳回",
    none: "暂无。",
    plate: "车牌",
    kind: "类型",
    operator: "运营单位",
    independent: "个体",
    driver: "司机",
    licence: "运输证号",
    applied: "申请时间",
    reason: "原因",
    approve: "通过",
    reject: "驳回",
    reasonPrompt: "驳回 {plate} 的原因（申请人可见）：",
    decided: "{plate}：{status}。",
  },
};
const w = (key: keyof typeof words.en, vars: Record<string, string> = {}) =>
  (getLang() === "zh-CN" ? words["zh-CN"] : words.en)[key].replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`);

/** The review queue: operator staff see their fleet's applications, the transport authority the independents', admin all. */
export const reviewView: View = (_ctx, el) => {
  const msg = h("p", { className: "status", role: "status" });
  const which = select(
    [
      ["pending", w("pending")],
      ["approved", w("approved")],
      ["rejected", w("rejected")],
    ],
    "pending",
    { "aria-label": w("show") },
  );
  const list = h("div", { className: "table-scroll" });
  el.append(h("section", { className: "panel wide" }, h("h1", {}, w("title")), h("p", {}, w("intro")), which, msg, list));

  async function load() {
    clear(list);
    const { applications } = await api<{ applications: Application[] }>("GET", `/applications?status=${which.value}`);
    if (applications.length === 0) return void list.append(h("p", {}, w("none")));
    const head = [w("plate"), w("kind"), w("operator"), w("driver"), w("licence"), w("applied"), w("reason"), ""].map((c) => h("th", { scope: "col" }, c));
    const row = (a: Application) =>
      h(
        "tr",
        { "data-application": a.id },
        h("td", {}, a.vehicle.plate),
        h("td", {}, a.vehicle.kind),
        h("td", {}, a.operator ?? w("independent")),
        h("td", {}, `${a.driverName} · ${a.phone}`),
        h("td", {}, a.licence),
        h("td", {}, fmtDateTime(a.createdAt)),
        h("td", {}, a.reason ?? ""),
        h(
          "td",
          {},
          a.status === "pending"
            ? [
                h("button", { type: "button", "aria-label": `${w("approve")} ${a.vehicle.plate}`, onclick: () => void decide(a, "approve") }, w("approve")),
                " ",
                h("button", { type: "button", className: "secondary", "aria-label": `${w("reject")} ${a.vehicle.plate}`, onclick: () => void decide(a, "reject") }, w("reject")),
              ]
            : null,
        ),
      );
    list.append(h("table", {}, h("thead", {}, h("tr", {}, head)), h("tbody", {}, applications.map(row))));
  }

  async function decide(a: Application, verb: "approve" | "reject") {
    let reason: string | null = null;
    if (verb === "reject") {
      reason = prompt(w("reasonPrompt", { plate: a.vehicle.plate }))?.trim() ?? null;
      if (!reason) return;
    }
    try {
      const done = await api<{ status: string }>("POST", `/applications/${a.id}/${verb}`, reason ? { reason } : {});
      status(msg, w("decided", { plate: a.vehicle.plate, status: w(done.status === "approved" ? "approved" : "rejected") }));
      await load();
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  }

  which.addEventListener("change", () => void load().catch((err: unknown) => status(msg, errorText(err), "error")));
  void load().catch((err: unknown) => status(msg, errorText(err), "error"));
};
