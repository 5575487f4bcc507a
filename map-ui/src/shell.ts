import { api, onSignedOut } from "./api.ts";
import type { Boot, StaffUser } from "./boot.ts";
import { clear, h, languageSelect } from "./dom.ts";
import { t } from "./i18n.ts";

/** What every view gets: settings, the signed-in user, and where to draw. */
export interface ViewContext {
  boot: Boot;
  user: StaffUser;
  navigate(hash: string): void;
}
export interface ViewHandle {
  destroy?(): void;
}
export type View = (ctx: ViewContext, el: HTMLElement, params: string[]) => ViewHandle | void;

interface Route {
  path: string;
  label: string;
  roles: StaffUser["role"][];
  load: () => Promise<View>;
  /** Reached by links (a person's page), not from the menu. */
  hidden?: boolean;
}

/** The views, in menu order, with the roles that see them (the API enforces the same). */
const routes: Route[] = [
  { path: "case", label: "nav.case", roles: ["tracer", "admin"], load: async () => (await import("./views/case.ts")).caseView },
  { path: "cases", label: "nav.cases", roles: ["tracer", "admin"], load: async () => (await import("./views/cases.ts")).casesView },
  { path: "person", label: "nav.person", roles: ["tracer", "admin"], load: async () => (await import("./views/person.ts")).personView, hidden: true },
  { path: "trips", label: "nav.trips", roles: ["tracer", "admin", "operator"], load: async () => (await import("./views/trip.ts")).tripView },
  { path: "live", label: "nav.live", roles: ["tracer", "admin", "operator"], load: async () => (await import("./views/live.ts")).liveView },
  { path: "flow", label: "nav.flow", roles: ["tracer", "admin", "operator"], load: async () => (await import("./views/flow.ts")).flowView },
  { path: "routes", label: "nav.routes", roles: ["tracer", "admin", "operator"], load: async () => (await import("./views/routes.ts")).routesView },
  { path: "fleet", label: "nav.fleet", roles: ["operator", "admin"], load: async () => (await import("./views/fleet.ts")).fleetView },
  { path: "review", label: "nav.review", roles: ["authority", "operator", "admin"], load: async () => (await import("./views/review.ts")).reviewView },
  { path: "api-keys", label: "nav.apiKeys", roles: ["operator", "admin"], load: async () => (await import("./views/api-keys.ts")).apiKeysView },
  { path: "users", label: "nav.users", roles: ["admin"], load: async () => (await import("./views/users.ts")).usersView },
  { path: "audit", label: "nav.audit", roles: ["admin"], load: async () => (await import("./views/audit.ts")).auditView },
  { path: "account", label: "nav.account", roles: ["tracer", "admin", "operator"], load: async () => (await import("./views/account.ts")).accountView },
];

/** Where each role starts: tracers at their cases, operators at their fleet. */
const HOME: Record<StaffUser["role"], string> = { tracer: "case", admin: "case", operator: "fleet", authority: "review" };

export function startShell(root: HTMLElement, boot: Boot, renderLogin: (root: HTMLElement, done: (u: StaffUser) => void) => void) {
  let user = boot.user;
  let current: ViewHandle | void;

  const showLogin = () => {
    current?.destroy?.();
    current = undefined;
    user = null;
    renderLogin(root, (u) => {
      user = u;
      if (!location.hash || !allowed(parse().path)) history.replaceState(null, "", `#/${HOME[u.role]}`);
      void render();
    });
  };
  onSignedOut(showLogin);

  const parse = () => {
    // "#/case?trace=…": the query belongs to the view (it reads it from location.hash), not to the path.
    const [path = "", ...params] = location.hash.replace(/^#\/?/, "").split("?")[0]!.split("/").map(decodeURIComponent);
    return { path, params };
  };
  const allowed = (path: string) => routes.some((r) => r.path === path && user && r.roles.includes(user.role));

  async function render() {
    if (!user) return showLogin();
    const me = user;
    const { path, params } = parse();
    const route = routes.find((r) => r.path === path && r.roles.includes(me.role)) ?? routes.find((r) => r.path === HOME[me.role])!;
    if (route.path !== path) {
      history.replaceState(null, "", `#/${route.path}`);
    }
    current?.destroy?.();
    current = undefined;
    clear(root);
    const main = h("main", { id: "main", tabindex: "-1" });
    root.append(header(me, route.path), main);
    document.title = `${t(route.label)} · ${t("app.title")}`;
    const view = await route.load();
    current = view({ boot, user: me, navigate: (hash) => (location.hash = hash) }, main, params);
  }

  function header(me: StaffUser, active: string) {
    const lang = languageSelect(() => void render());
    const signOut = h("button", { type: "button", onclick: () => void api("POST", "/auth/logout").finally(showLogin) }, t("nav.signOut"));
    return h(
      "header",
      { className: "top" },
      h("span", { className: "brand" }, t("app.title")),
      h(
        "nav",
        { "aria-label": t("nav.label") },
        h(
          "ul",
          {},
          routes
            .filter((r) => r.roles.includes(me.role) && !r.hidden)
            .map((r) => h("li", {}, h("a", { href: `#/${r.path}`, "aria-current": r.path === active ? "page" : null }, t(r.label)))),
        ),
      ),
      h("span", { className: "who" }, `${me.username} · ${t(`role.${me.role}`)}`),
      lang,
      signOut,
    );
  }

  window.addEventListener("hashchange", () => void render());
  if (user) void render();
  else showLogin();
}
