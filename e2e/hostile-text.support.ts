import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { createAgent } from "../vehicle-agent/src/agent.ts";
import { parseAgentArgs, type AgentConfig } from "../vehicle-agent/src/config.ts";
import { silentLog } from "../vehicle-agent/src/log.ts";
import type { TestSystem } from "../server/test/system.ts";
import { openPage } from "./console.support.ts";

/**
 * Markup planted in every stored free-text field, each within its field's
 * bounds. Each one, if it ever became markup, would set window.__xss (or
 * show a dialog); as text it reads exactly as typed.
 */
export const PAYLOAD = {
  name: `<img src=x onerror="window.__xss=1">`,
  companion: `</script><script>window.__xss=1</script>`,
  rider: `"><svg onload=window.__xss=1>`,
  plate: `<svg onload=__xss=1>`, // plates are at most 20 characters
  route: `"><img src=x onerror=alert(1)>`,
  operator: `</script><script>window.__xss=1</script>&amp;`,
  tripRoute: `"><svg onload=window.__xss=1>`,
  driver: `<img src=x onerror="window.__xss=1">`,
  seat: `<u>7</u>`, // seats are at most 10 characters: markup, if not a script
  statusReason: `<img src=x onerror="window.__xss=1"> status`,
  traceReason: `"><svg onload=window.__xss=1> case`,
};

/**
 * A page that records what a hostile text would leave behind: dialogs,
 * CSP violations (a blocked inline handler is one), console errors, and the
 * CSP header of every HTML document it loads.
 */
export async function watchedPage(browser: Browser, viewport?: { width: number; height: number }) {
  const { context, page, errors } = await openPage(browser, viewport);
  const dialogs: string[] = [];
  const htmlPolicies: { url: string; csp: string | null }[] = [];
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
  });
  context.on("page", (p) => p.on("dialog", (d) => void (dialogs.push(d.message()), d.dismiss())));
  page.on("dialog", (d) => void (dialogs.push(d.message()), d.dismiss()));
  context.on("response", (r) => {
    if ((r.headers()["content-type"] ?? "").startsWith("text/html")) htmlPolicies.push({ url: r.url(), csp: r.headers()["content-security-policy"] ?? null });
  });

  /** Nothing ran on this page: no __xss, no dialog, no CSP violation, no error. */
  async function expectNothingRan(p: Page = page) {
    const seen = await p.evaluate(() => {
      const w = window as unknown as { __xss?: unknown; __violations?: string[] };
      return { xss: w.__xss, violations: w.__violations ?? [] };
    });
    expect(seen.xss).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(seen.violations).toEqual([]);
    expect(errors).toEqual([]);
  }
  return { context, page, errors, dialogs, htmlPolicies, expectNothingRan };
}

/** Every HTML document carried a CSP that lets no inline script run and no page frame it. */
export function expectStrictPolicies(policies: { url: string; csp: string | null }[]) {
  expect(policies.length).toBeGreaterThan(0);
  for (const { url, csp } of policies) {
    expect(csp, url).toMatch(/frame-ancestors 'none'/);
    expect(csp, url).toMatch(/object-src 'none'/);
    expect(csp, url).toMatch(/base-uri 'none'/);
    const scripts = /script-src ([^;]*)/.exec(csp ?? "")?.[1] ?? "";
    expect(scripts, url).toMatch(/'(nonce|sha256)-/);
    expect(scripts, url).not.toContain("unsafe-inline");
  }
}

/** The agent on the system's broker with its driver's page on a free port; it replays a straight track, one fix a second. */
export async function startAgent(system: TestSystem, vehicle: { id: string; password: string }, dir: string, extra: string[]) {
  const track = path.join(dir, `${vehicle.id}.csv`);
  const rows = Array.from({ length: 600 }, (_, i) => `${1_700_000_000 + i},${(36.65 + i / 20_000).toFixed(6)},${(117 + i / 5_000).toFixed(6)}`);
  writeFileSync(track, `ts,lat,lon\n${rows.join("\n")}\n`);
  const config = parseAgentArgs([
    ...["--url", system.mqttUrl, "--vehicle", vehicle.id, "--password", vehicle.password],
    ...(system.topicPrefix ? ["--topic-prefix", system.topicPrefix] : []),
    ...["--outbox", path.join(dir, `${vehicle.id}.sqlite`), "--http-port", "0", "--no-terminal-qr", "--quiet"],
    ...["--reconnect-min", "0.1", "--reconnect-max", "1", "--replay", track],
    ...extra,
  ]) as AgentConfig;
  const agent = await createAgent(config, silentLog);
  await agent.start();
  return { agent, driverPage: `http://127.0.0.1:${agent.httpPort}/` };
}
