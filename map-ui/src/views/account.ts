import { api, errorText } from "../api.ts";
import { field, h, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { View } from "../shell.ts";

/** Change one's own password; the server ends one's other sessions. */
export const accountView: View = (ctx, el) => {
  const current = h("input", { name: "currentPassword", type: "password", required: true, autocomplete: "current-password" });
  const next = h("input", { name: "newPassword", type: "password", required: true, minlength: "10", autocomplete: "new-password" });
  const msg = h("p", { className: "status", role: "status" });
  const form = h(
    "form",
    { className: "register", "aria-labelledby": "password-title" },
    h("h2", { id: "password-title" }, t("account.changePassword")),
    field(t("account.current"), current),
    field(t("account.new"), next, t("users.passwordHint")),
    h("button", { type: "submit" }, t("account.save")),
    msg,
  );
  el.append(h("section", { className: "panel" }, h("h1", {}, t("account.title")), h("p", {}, ctx.user.username), form));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/auth/password", { currentPassword: current.value, newPassword: next.value });
      status(msg, t("account.changed"));
      form.reset();
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  });
};
