import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { tileSources } from "./csp.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TILE_URL: "https://{s}.tiles.example.org/{z}/{x}/{y}.png" } });
});
afterAll(() => t.close());

const policyOf = (res: Response) => {
  const csp = res.headers.get("content-security-policy") ?? "";
  return Object.fromEntries(csp.split(/;\s*/).map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
};

describe("Content-Security-Policy", () => {
  it("is on every HTML page: scripts only from this origin or with the request's nonce, no framing, no plugins, no <base>", async () => {
    const admin = await t.staff("admin");
    const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·CSP01", kind: "bus" }, admin);
    const pages = [
      await t.app.request("/"),
      await t.app.request(`/v/${v.json.code.id}`),
      await t.app.request("/v/no-such-code"),
      await t.app.request("/pass"),
      await t.app.request("/pass", { method: "POST", body: new URLSearchParams({ phone: "", name: "" }) }),
      await t.app.request(`/api/v1/vehicles/${v.json.id}/poster`, { headers: { authorization: admin.authorization } }),
      await t.app.request("/api/v1/docs"),
    ];
    const nonces = new Set<string>();
    for (const res of pages) {
      expect(res.headers.get("content-type")).toContain("text/html");
      const p = policyOf(res);
      expect(p["frame-ancestors"]).toEqual(["'none'"]);
      expect(p["object-src"]).toEqual(["'none'"]);
      expect(p["base-uri"]).toEqual(["'none'"]);
      expect(p["script-src"]).toEqual(["'self'", expect.stringMatching(/^'nonce-[A-Za-z0-9+/=]{16,}'$/)]);
      expect(p["img-src"]).toContain("https://*.tiles.example.org");
      const html = await res.text();
      // Every inline <script> and <style> of the page carries this response's nonce, and no element has an inline handler.
      const nonce = p["script-src"]![1]!.slice("'nonce-".length, -1);
      nonces.add(nonce);
      for (const tag of html.match(/<(script|style)\b[^>]*>/g) ?? []) {
        if (!/type="application\/json"|\ssrc=/.test(tag)) expect(tag).toContain(`nonce="${nonce}"`);
      }
      expect(html).not.toMatch(/\son[a-z]+=|javascript:|\sstyle="/i);
    }
    // A fresh nonce per response.
    expect(nonces.size).toBe(pages.length);
  });

  it("allows inline styles only on the API reference, whose Vue app injects them (never inline scripts)", async () => {
    expect(policyOf(await t.app.request("/api/v1/docs"))["style-src"]).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policyOf(await t.app.request("/"))["style-src"]).toEqual(["'self'", expect.stringMatching(/^'nonce-/)]);
  });

  it("admits the map's tile host as an image source, with Leaflet's {s} subdomains as a wildcard", () => {
    expect(tileSources("https://tile.openstreetmap.org/{z}/{x}/{y}.png")).toEqual(["https://tile.openstreetmap.org"]);
    expect(tileSources("https://{s}.tile.example.com/{z}/{x}/{y}.png")).toEqual(["https://*.tile.example.com"]);
    expect(tileSources("http://127.0.0.1:8081/{z}/{x}/{y}.png")).toEqual(["http://127.0.0.1:8081"]);
    expect(tileSources("https://a{s}.example.com/{z}/{x}/{y}.png")).toEqual(["https://*.example.com"]);
    // A tile path on this server needs nothing more than 'self'.
    expect(tileSources("/tiles/{z}/{x}/{y}.png")).toEqual([]);
  });
});
