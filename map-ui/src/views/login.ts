import { api, errorText } from "../api.ts";
import type { StaffUser } from "../boot.ts";
import { clear, field, h, languageSelect, status } from "../dom.ts";
import { t } from "../i18n.ts";

/** Sign-in for staff. The server answers with an HttpOnly session cookie; the script never holds a token. */
export function renderLogin(root: HTMLElement, done: (user: StaffUser) => void) {
  clear(root);
  document.title = `${t("login.title")} · ${t("app.title")}`;
  const username = h("input", { name: "username", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("p", { className: "status", role: "alert" });
  const submit = h("button", { type: "submit" }, t("login.submit"));
  const lang = languageSelect(() => renderLogin(root, done));
  const form = h(
    "form",
    { className: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, t("login.title")),
    field(t("login.username"), username),
    field(t("login.password"), password),
    submit,
    message,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    status(message, "");
    try {
      const res = await api<{ user: StaffUser }>("POST", "/auth/login", { username: username.value.trim(), password: password.value });
      done(res.user);
    } catch (err) {
      status(message, (err as { status?: number }).status === 401 ? t("login.wrong") : errorText(err), "error");
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  root.append(h("main", { id: "main", className: "login-page" }, h("div", { className: "login-lang" }, lang), form));
  username.focus();
}
