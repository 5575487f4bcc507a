import { apiUrl } from "../api.ts";
import type { Boot } from "../boot.ts";
import { copyButton } from "../confirm.ts";
import { clear, h } from "../dom.ts";
import { t } from "../i18n.ts";

export interface AgentCredentials {
  id: string;
  plate: string;
  agent: { username: string; password: string };
  code?: { id: string; url: string } | null;
}

/** The command that starts this vehicle's agent, ready to paste on the vehicle's computer (docs/agent.md). */
export const agentCommand = (boot: Boot, c: AgentCredentials) =>
  `npm run agent -- --url ${boot.mqttUrl} --vehicle ${c.agent.username} --password '${c.agent.password}' --server ${boot.publicUrl} --plate '${c.plate.replace(/'/g, "")}'`;

/**
 * The agent's password exists only in the answer that made it (registration
 * or reset): shown once, each value with a Copy button, with the whole agent
 * command ready to paste.
 */
export function showCredentials(slot: HTMLElement, boot: Boot, c: AgentCredentials, title: string) {
  clear(slot);
  const close = h("button", { type: "button", onclick: () => clear(slot) }, t("fleet.stored"));
  const value = (text: string, cls: string, label: string) => {
    const code = h("code", { className: cls }, text);
    return h("dd", {}, code, " ", copyButton(text, `${t("common.copy")}: ${label}`, code));
  };
  const command = agentCommand(boot, c);
  const commandEl = h("pre", { className: "agent-command" }, h("code", {}, command));
  const box = h(
    "section",
    { className: "credentials", role: "alertdialog", "aria-labelledby": "cred-title", "aria-describedby": "cred-warning" },
    h("h2", { id: "cred-title" }, title),
    h("p", { id: "cred-warning", className: "warning" }, t("fleet.onceWarning")),
    h(
      "dl",
      { className: "facts" },
      h("dt", {}, t("fleet.agentUser")),
      value(c.agent.username, "agent-username", t("fleet.agentUser")),
      h("dt", {}, t("fleet.agentPassword")),
      value(c.agent.password, "agent-password", t("fleet.agentPassword")),
      c.code ? [h("dt", {}, t("fleet.codeUrl")), value(c.code.url, "code-url", t("fleet.codeUrl"))] : null,
    ),
    h("h3", {}, t("fleet.agentCommand")),
    commandEl,
    h("p", {}, copyButton(command, t("fleet.copyCommand"), commandEl)),
    c.code ? h("p", {}, h("a", { href: apiUrl(`/vehicles/${c.id}/poster`), target: "_blank", rel: "noopener", className: "button poster-link" }, t("fleet.poster"))) : null,
    close,
  );
  slot.append(box);
  box.scrollIntoView({ block: "nearest" });
  close.focus();
}
