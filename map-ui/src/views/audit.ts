import type { AuditEntry, AuditPage } from "../../../protocol/api/audit.ts";
import { api, errorText } from "../api.ts";
import { clear, field, h, select, status } from "../dom.ts";
import { t } from "../i18n.ts";
import type { View } from "../shell.ts";
import { fmtDateTime, fromLocalInput } from "../time.ts";
import { timeInput } from "../time-input.ts";
import { personHref, traceHref } from "./cases.ts";

/** The audit log for admins (issue 11 part 6): who read or changed what, about whom, why; filtered and paged. */
export const auditView: View = (ctx, el, params) => {
  const person = h("input", { name: "personId", maxlength: "36", autocomplete: "off", value: params[0] ?? "" });
  const user = select([["", t("audit.anyone")]], "", { name: "userId" });
  const reason = h("input", { name: "reason", maxlength: "200", autocomplete: "off" });
  const from = timeInput({ name: "from" });
  const to = timeInput({ name: "to" });
  const msg = h("p", { className: "status", role: "status" });
  const body = h("tbody", {});
  const more = h("button", { type: "button", hidden: true }, t("audit.more"));
  const empty = h("p", { className: "empty", hidden: true });
  const form = h(
    "form",
    { className: "filters", "aria-label": t("audit.filter") },
    h("div", { className: "row" }, field(t("audit.person"), person), field(t("audit.user"), user), field(t("audit.reason"), reason)),
    h("div", { className: "row" }, field(`${t("audit.from")} (${ctx.boot.tzDisplay})`, from), field(`${t("audit.to")} (${ctx.boot.tzDisplay})`, to), h("button", { type: "submit" }, t("audit.search"))),
  );
  const head = [t("audit.at"), t("audit.user"), t("audit.action"), t("audit.subject"), t("audit.reason"), t("audit.trace")];
  el.append(
    h(
      "section",
      { className: "panel wide" },
      h("h1", {}, t("audit.title")),
      form,
      msg,
      empty,
      h("div", { className: "table-scroll" }, h("table", { className: "audit-log" }, h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col" }, x)))), body)),
      more,
    ),
  );

  let next: string | null = null;
  let shown = 0;
  const short = (id: string) => `…${id.slice(-8)}`;
  /** An act on a staff account (user.create, user.role, …) names the account, not a person. */
  const accountOf = (e: AuditEntry) => (e.action.startsWith("user.") && typeof e.details?.username === "string" ? t("audit.account", { username: e.details.username }) : "");

  const row = (e: AuditEntry) =>
    h(
      "tr",
      {},
      h("td", { className: "nowrap" }, fmtDateTime(e.at)),
      h("td", {}, e.user),
      h("td", {}, h("code", {}, e.action)),
      h("td", {}, e.personId ? h("a", { href: personHref(e.personId), title: e.personId }, short(e.personId)) : accountOf(e)),
      h("td", {}, e.reason ?? ""),
      h("td", {}, e.traceId ? h("a", { href: traceHref(e.traceId), title: e.traceId }, short(e.traceId)) : ""),
    );

  async function load(reset: boolean) {
    const q = new URLSearchParams({ limit: "50" });
    if (person.value.trim()) q.set("personId", person.value.trim());
    if (user.value) q.set("userId", user.value);
    if (reason.value.trim()) q.set("reason", reason.value.trim());
    const f = fromLocalInput(from.value);
    const u = fromLocalInput(to.value);
    if (f) q.set("from", f);
    if (u) q.set("to", u);
    if (!reset && next) q.set("cursor", next);
    try {
      const res = await api<AuditPage>("GET", `/audit?${q}`);
      if (reset) {
        clear(body);
        shown = 0;
      }
      body.append(...res.entries.map(row));
      shown += res.entries.length;
      next = res.next;
      more.hidden = !next;
      status(msg, shown === 0 ? "" : t("cases.shown", { count: shown }));
      // Nothing matched: say what the filters were, so an empty log is not mistaken for a broken one.
      empty.hidden = shown > 0;
      empty.textContent = shown > 0 ? "" : q.size > 1 ? t("audit.noneFiltered") : t("audit.noneYet");
    } catch (err) {
      status(msg, errorText(err), "error");
    }
  }

  // The staff list names the users to filter by; the log itself keeps each act's username too.
  void api<{ users: { id: string; username: string }[] }>("GET", "/users").then(
    ({ users }) => user.append(...users.map((u) => h("option", { value: u.id }, u.username))),
    () => undefined,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load(true);
  });
  more.addEventListener("click", () => void load(false));
  void load(true);
};
