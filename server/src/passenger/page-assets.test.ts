import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const scriptSrc = (html: string) => /<script[^>]*\ssrc="([^"]+)"/.exec(html)?.[1];

describe("the passenger pages' script and styles", () => {
  it("comes from a file a phone keeps for a year, one a language, named by what it holds; the page carries only its own values", async () => {
    const admin = await t.staff("admin");
    const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·JS001", kind: "bus" }, admin);
    const zhPage = await (await t.app.request(`/v/${v.json.code.id}`)).text();
    const enPage = await (await t.app.request(`/v/${v.json.code.id}`, { headers: { "accept-language": "en" } })).text();
    const zh = scriptSrc(zhPage)!;
    const en = scriptSrc(enPage)!;
    expect(zh).toMatch(/^\/assets\/checkin\.zh\.[A-Za-z0-9_-]{16}\.js$/);
    expect(en).toMatch(/^\/assets\/checkin\.en\.[A-Za-z0-9_-]{16}\.js$/);
    // The inline part is this page's values, not the script, styles or ride's screen: a scan sends two KB, not twenty.
    expect(Buffer.byteLength(zhPage)).toBeLessThan(4_000);
    expect(zhPage).not.toContain('id="result"');
    expect(zhPage).toContain(`"code":"${v.json.code.id}"`);

    const res = await t.app.request(zh);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const body = await res.text();
    expect(body).toContain("window.__checkin.t=");
    expect(body).toContain("乘车登记");
    // The ride's screen travels in the script, for it to put after the page's #start.
    expect(body).toContain('window.__checkin.rideScreen="\\u003csection id=\\"result\\" hidden');
    expect(await (await t.app.request(en)).text()).not.toContain("乘车登记");
  });

  it("the styles of every passenger page come from one file a phone keeps for a year; the page carries none inline", async () => {
    const admin = await t.staff("admin");
    const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·JS002", kind: "bus" }, admin);
    for (const path of [`/v/${v.json.code.id}`, "/pass", `/v/NOPE${"A".repeat(12)}`]) {
      const page = await (await t.app.request(path)).text();
      expect(page, path).not.toContain("<style");
      const href = /<link rel="stylesheet" href="([^"]+)"/.exec(page)?.[1];
      expect(href, path).toMatch(/^\/assets\/page\.[A-Za-z0-9_-]{16}\.css$/);
      const res = await t.app.request(href!);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(await res.text()).toContain(".result.red{");
    }
  });

  it("answers 404, never a script or stylesheet, for any other name under /assets", async () => {
    for (const path of ["/assets/page.AAAAAAAAAAAAAAAA.css", "/assets/page.css", "/assets/checkin.zh.AAAAAAAAAAAAAAAA.js", "/assets/checkin.fr.AAAAAAAAAAAAAAAA.js", "/assets/console.js", "/assets/..%2F..%2Fpackage.json"]) {
      const res = await t.app.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("cache-control"), path).toBe("no-store");
    }
  });
});
