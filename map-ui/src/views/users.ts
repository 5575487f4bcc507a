import { api, errorText } from "../api.ts";
import { confirmAct } from "../confirm.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { View } from "../shell.ts";

interface Account {
  id: string;
  username: string;
  role: "admin" | "operator" | "tracer" | "authority";
  operatorId: string | null;
  operator?: string | null;
  disabledAt: string | null;
}

/** Admin's staff accounts: list, create, disable or enable, set a new password. All data goes in as text nodes. */
export const usersView: View = (ctx, el) => {
  const username = h("input", { name: "username", required: true, pattern: "[a-zA-Z0-9_.\\-]{3,40}", autocomplete: "off" });
  const password = h("input", { name: "password", type: "password", required: true, minlength: "10", autocomplete: "new-password" });
  const role = select([["tracer", t("role.tracer")], ["operator", t("role.operator")], ["admin", t("role.admin")], ["authority", t("role.authority")]], "tracer", { name: "role" });
  const operator = h("input", { name: "operator", maxlength: "100", autocomplete: "organization" });
  const formMsg = h("p", { className: "status", role: "status" });
  const form = h(
    "form",
    { className: "register", "aria-labelledby": "user-create-title" },
    h("h2", { id: "user-create-title" }, t("users.create")),
    h("div", { className: "row" }, field(t("login.username"), username), field(t("login.password"), password, t("users.passwordHint"))),
    h("div", { className: "row" }, field(t("users.role"), role), field(t("fleet.operator"), operator, t("users.operatorHint"))),
    h("button", { type: "submit" }, t("users.createButton")),
    formMsg,
  );
  const tableMsg = h("p", { className: "status", role: "status" });
  const tableSlot = h("div", { className: "table-scroll" });
  el.append(h("section", { className: "panel wide" }, h("h1", {}, t("users.title")), form, h("h2", {}, t("users.list")), tableMsg, tableSlot));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {
      username: username.value.trim(),
      password: password.value,
      role: role.value,
      ...(role.value === "operator" && operator.value.trim() ? { operator: operator.value.trim() } : {}),
    };
    try {
      await api("POST", "/users", body);
      status(formMsg, t("users.created", { username: body.username }));
      form.reset();
      await refresh();
    } catch (err) {
      status(formMsg, errorText(err), "error");
    }
  });

  function row(u: Account) {
    const msg = h("span", { className: "status", role: "status" });
    const newPassword = h("input", { type: "password", minlength: "10", autocomplete: "new-password", "aria-label": t("users.newPasswordFor", { username: u.username }) });
    const act = (fn: () => Promise<unknown>, done: string) => async () => {
      try {
        if ((await fn()) === false) return; // cancelled at the confirmation
        status(msg, done);
        await refresh();
      } catch (err) {
        status(msg, errorText(err), "error");
      }
    };
    // Disabling ends the user's sessions at once: asked first, naming them.
    const disable = async () => {
      if (!(await confirmAct({ title: t("users.disableConfirm", { username: u.username }), body: t("users.disableBody"), confirm: t("users.disable") }))) return false;
      await api("POST", `/users/${u.id}/disable`);
      return true;
    };
    const toggle = u.disabledAt
      ? h("button", { type: "button", className: "secondary", "aria-label": `${t("users.enable")} ${u.username}`, onclick: act(() => api("POST", `/users/${u.id}/enable`), t("users.enabled")) }, t("users.enable"))
      : u.id === ctx.user.id
        ? null
        : h("button", { type: "button", className: "danger", "aria-label": `${t("users.disable")} ${u.username}`, onclick: act(disable, t("users.disabled")) }, t("users.disable"));
    const reset = h(
      "button",
      { type: "button", className: "secondary", "aria-label": `${t("users.setPassword")} ${u.username}`, onclick: act(() => api("PUT", `/users/${u.id}/password`, { password: newPassword.value }), t("users.passwordSet")) },
      t("users.setPassword"),
    );
    return h(
      "tr",
      {},
      h("td", { className: "username" }, u.username),
      h("td", {}, t(`role.${u.role}`), u.operator ? h("div", { className: "hint" }, u.operator) : null),
      h("td", {}, u.disabledAt ? t("users.stateDisabled") : t("users.stateActive")),
      h("td", {}, h("div", { className: "row-actions" }, toggle, h("span", { className: "password-reset" }, newPassword, reset)), msg),
    );
  }

  async function refresh() {
    try {
      const { users } = await api<{ users: Account[] }>("GET", "/users");
      clear(tableSlot);
      tableSlot.append(
        h(
          "table",
          { className: "users" },
          h("thead", {}, h("tr", {}, h("th", {}, t("login.username")), h("th", {}, t("users.role")), h("th", {}, t("users.state")), h("th", {}, ""))),
          h("tbody", {}, users.map(row)),
        ),
      );
      status(tableMsg, "");
    } catch (err) {
      status(tableMsg, errorText(err), "error");
    }
  }
  void refresh();
};
