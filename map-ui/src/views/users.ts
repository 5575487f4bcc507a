import type { StaffAccount, StaffRole } from "../../../protocol/api/staff.ts";
import { api, errorText } from "../api.ts";
import { confirmAct } from "../confirm.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { View } from "../shell.ts";

const ROLES: StaffRole[] = ["tracer", "operator", "admin", "authority"];
const roleOptions = (): [string, string][] => ROLES.map((r) => [r, t(`role.${r}`)]);

/**
 * Admin's staff accounts: list, create, change a role, disable or enable, set
 * a new password. Every act asks the API, which audits it. All data goes in
 * as text nodes.
 */
export const usersView: View = (ctx, el) => {
  const username = h("input", { name: "username", required: true, pattern: "[a-zA-Z0-9_.\\-]{3,40}", autocomplete: "off" });
  const password = h("input", { name: "password", type: "password", required: true, minlength: "10", autocomplete: "new-password" });
  const role = select(roleOptions(), "tracer", { name: "role" });
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
  const empty = h("p", { className: "empty", hidden: true }, t("users.onlyYou"));
  const tableSlot = h("div", { className: "table-scroll" });
  el.append(h("section", { className: "panel wide" }, h("h1", {}, t("users.title")), form, h("h2", {}, t("users.list")), tableMsg, empty, tableSlot));

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

  function row(u: StaffAccount) {
    const msg = h("span", { className: "status", role: "status" });
    const self = u.id === ctx.user.id;
    const act = (fn: () => Promise<unknown>, done: string) => async () => {
      try {
        if ((await fn()) === false) return; // cancelled at the confirmation
        await refresh();
        status(rowsById.get(u.id)?.querySelector<HTMLElement>(".row-status [role=status]") ?? msg, done);
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
      : self
        ? null
        : h("button", { type: "button", className: "danger", "aria-label": `${t("users.disable")} ${u.username}`, onclick: act(disable, t("users.disabled")) }, t("users.disable"));
    const newPassword = h("input", { type: "password", minlength: "10", autocomplete: "new-password", "aria-label": t("users.newPasswordFor", { username: u.username }) });
    const reset = h(
      "button",
      { type: "button", className: "secondary", "aria-label": `${t("users.setPassword")} ${u.username}`, onclick: act(() => api("PUT", `/users/${u.id}/password`, { password: newPassword.value }), t("users.passwordSet")) },
      t("users.setPassword"),
    );
    const tr = h(
      "tr",
      { "data-user": u.id },
      h("td", { className: "username" }, u.username),
      h("td", { className: "role" }, self ? [t(`role.${u.role}`), h("div", { className: "hint" }, t("users.ownRole"))] : roleEditor(u, act)),
      h("td", {}, u.disabledAt ? t("users.stateDisabled") : t("users.stateActive")),
      h("td", {}, h("div", { className: "row-actions" }, toggle, h("span", { className: "password-reset" }, newPassword, reset)), h("span", { className: "row-status" }, msg)),
    );
    rowsById.set(u.id, tr);
    return tr;
  }

  /**
   * The role as a choice: changing it shows the company field for an operator
   * and a button that asks first (a role decides what the user may read).
   */
  function roleEditor(u: StaffAccount, act: (fn: () => Promise<unknown>, done: string) => () => Promise<void>) {
    const choice = select(roleOptions(), u.role, { "aria-label": t("users.roleOf", { username: u.username }) });
    const company = h("input", { maxlength: "100", autocomplete: "organization", value: u.operator ?? "", "aria-label": t("users.operatorOf", { username: u.username }) });
    const apply = h("button", { type: "button", className: "secondary", hidden: true, "aria-label": t("users.changeRoleOf", { username: u.username }) }, t("users.changeRole"));
    const sync = () => {
      company.hidden = choice.value !== "operator";
      apply.hidden = choice.value === u.role && (choice.value !== "operator" || company.value.trim() === (u.operator ?? ""));
    };
    choice.addEventListener("change", sync);
    company.addEventListener("input", sync);
    const change = async () => {
      const to = choice.value as StaffRole;
      const ok = await confirmAct({
        title: t("users.roleConfirm", { username: u.username, from: t(`role.${u.role}`), to: t(`role.${to}`) }),
        body: t("users.roleBody"),
        confirm: t("users.changeRole"),
      });
      if (!ok) return false;
      await api("PUT", `/users/${u.id}/role`, { role: to, ...(to === "operator" ? { operator: company.value.trim() } : {}) });
      return true;
    };
    apply.addEventListener("click", act(change, t("users.roleChanged", { username: u.username })));
    sync();
    return h("div", { className: "role-edit" }, choice, company, apply);
  }

  const rowsById = new Map<string, HTMLTableRowElement>();
  async function refresh() {
    try {
      const { users } = await api<{ users: StaffAccount[] }>("GET", "/users");
      clear(tableSlot);
      rowsById.clear();
      tableSlot.append(
        h(
          "table",
          { className: "users" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("login.username")), h("th", { scope: "col" }, t("users.role")), h("th", { scope: "col" }, t("users.state")), h("th", { scope: "col" }, t("users.actions")))),
          h("tbody", {}, users.map(row)),
        ),
      );
      // Only the admin's own account: say what to do next rather than show a lone row.
      empty.hidden = users.some((u) => u.id !== ctx.user.id);
      status(tableMsg, "");
    } catch (err) {
      status(tableMsg, errorText(err), "error");
    }
  }
  void refresh();
};
