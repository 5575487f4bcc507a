import { api, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { getLang } from "../i18n.ts";
import type { View } from "../shell.ts";
import { fmtDateTime } from "../time.ts";

interface Operator {
  id: string;
  name: string;
}
interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

// This view's own words, so it adds nothing to the shared dictionary but its menu label.
const words = {
  en: {
    title: "API keys",
    intro: "A fleet system (a ride-hail platform, a bus company's dispatch) registers, updates and retires its vehicles with one of these keys: PUT /api/v1/operators/{id}/vehicles. Each key acts for one operator only; every call is in the audit log.",
    operator: "Operator",
    name: "Key name",
    nameHint: "What uses it, e.g. \"dispatch sync\".",
    create: "Create key",
    once: "Copy this key now: it is shown only once and cannot be recovered.",
    copied: "I have stored the key",
    keys: "Keys",
    none: "No keys yet.",
    prefix: "Starts with",
    created: "Created",
    lastUsed: "Last used",
    state: "State",
    active: "active",
    revoked: "revoked",
    revoke: "Revoke",
    confirm: "Revoke the key \"{name}\"? Calls with it stop at once.",
    operatorId: "Operator id",
  },
  "zh-CN": {
    title: "API 密钥",
    intro: "车队系统（网约车平台、公交调度系统）用密钥批量登记、更新、停用车辆：PUT /api/v1/operators/{id}/vehicles。每个密钥只代表一家运营单位，每次调用都记入审计日志。",
    operator: "运营单位",
    name: "密钥名称",
    nameHint: "用途，例如“调度同步”。",
    create: "创建密钥",
    once: "请立即复制此密钥：它只显示这一次，无法找回。",
    copied: "我已保存密钥",
    keys: "密钥",
    none: "尚无密钥。",
    prefix: "开头",
    created: "创建时间",
    lastUsed: "最近使用",
    state: "状态",
    active: "有效",
    revoked: "已吊销",
    revoke: "吊销",
    confirm: "吊销密钥“{name}”？使用它的调用将立即失败。",
    operatorId: "运营单位编号",
  },
};
const w = (key: keyof typeof words.en, vars: Record<string, string> = {}) =>
  (getLang() === "zh-CN" ? words["zh-CN"] : words.en)[key].replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`);
const when = (iso: string | null) => (iso ? fmtDateTime(iso) : "—");

/** Operator API keys: created (shown once) and revoked by admin, or by operator staff for their own operator. */
export const apiKeysView: View = (ctx, el) => {
  const msg = h("p", { className: "status", role: "status" });
  const operatorPick = select([], undefined, { name: "operator" });
  const name = h("input", { name: "name", required: true, maxlength: "60", autocomplete: "off" });
  const fresh = h("div", { className: "once" });
  // Until the operators are loaded there is no operator to make a key for: a click then would go nowhere.
  const create = h("button", { type: "submit" }, w("create"));
  create.disabled = true;
  const table = h("div", { className: "table-scroll" });
  const operatorIdOut = h("code", {});
  const form = h(
    "form",
    { className: "register", "aria-labelledby": "key-new" },
    h("h2", { id: "key-new" }, w("create")),
    field(w("operator"), operatorPick),
    field(w("name"), name, w("nameHint")),
    create,
    msg,
  );
  el.append(
    h("section", { className: "panel wide" }, h("h1", {}, w("title")), h("p", {}, w("intro")), h("p", {}, `${w("operatorId")}: `, operatorIdOut), form, fresh, h("h2", {}, w("keys")), table),
  );

  async function showKeys() {
    operatorIdOut.textContent = operatorPick.value;
    clear(table);
    if (!operatorPick.value) return;
    const { keys } = await api<{ keys: ApiKey[] }>("GET", `/operators/${operatorPick.value}/api-keys`);
    if (keys.length === 0) return void table.append(h("p", {}, w("none")));
    const row = (k: ApiKey) =>
      h(
        "tr",
        {},
        h("td", {}, k.name),
        h("td", {}, h("code", {}, `${k.prefix}…`)),
        h("td", {}, when(k.createdAt)),
        h("td", {}, when(k.lastUsedAt)),
        h("td", {}, k.revokedAt ? `${w("revoked")} ${when(k.revokedAt)}` : w("active")),
        h(
          "td",
          {},
          k.revokedAt
            ? null
            : h("button", { type: "button", className: "secondary", "aria-label": `${w("revoke")} ${k.name}`, onclick: () => void revoke(k) }, w("revoke")),
        ),
      );
    const head = [w("name"), w("prefix"), w("created"), w("lastUsed"), w("state"), ""].map((c) => h("th", { scope: "col" }, c));
    table.append(h("table", {}, h("thead", {}, h("tr", {}, head)), h("tbody", {}, keys.map(row))));
  }

  async function revoke(k: ApiKey) {
    if (!confirm(w("confirm", { name: k.name }))) return;
    try {
      await api("POST", `/operators/${operatorPick.value}/api-keys/${k.id}/revoke`);
      await showKeys();
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!operatorPick.value) return;
    clear(fresh);
    try {
      const created = await api<ApiKey & { key: string }>("POST", `/operators/${operatorPick.value}/api-keys`, { name: name.value });
      const done = h("button", { type: "button", onclick: () => clear(fresh) }, w("copied"));
      fresh.append(h("p", { role: "alert" }, w("once")), h("pre", { className: "secret" }, created.key), done);
      form.reset();
      status(msg, "");
      await showKeys();
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  });
  operatorPick.addEventListener("change", () => void showKeys().catch((err: unknown) => status(msg, errorText(err), "error")));

  void (async () => {
    try {
      const { operators } = await api<{ operators: Operator[] }>("GET", "/operators");
      for (const o of operators) operatorPick.append(h("option", { value: o.id }, o.name));
      if (ctx.user.role === "operator") operatorPick.disabled = true;
      create.disabled = operators.length === 0;
      await showKeys();
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  })();
};
