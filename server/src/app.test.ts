import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test/harness.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("operations endpoints", () => {
  it("reports health with the database reachable", async () => {
    const res = await t.call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok", database: "ok", broker: "none" });
  });

  it("exposes Prometheus metrics, counting requests by route and status", async () => {
    await t.call("GET", "/api/v1/vehicles");
    const res = await t.app.request("/metrics");
    const text = await res.text();
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/vehicles",status="401"\} [1-9]/);
  });

  it("publishes an OpenAPI document listing the API and a reference page that needs no CDN", async () => {
    const doc = await t.call("GET", "/api/v1/openapi.json");
    expect(doc.json.openapi).toBe("3.1.0");
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(["/auth/login", "/vehicles", "/vehicles/{id}"]));
    const page = await t.app.request("/api/v1/docs");
    const html = await page.text();
    expect(html).toContain("/api/v1/docs/scalar.js");
    const script = await t.app.request("/api/v1/docs/scalar.js");
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it("answers an unknown route with the JSON error shape", async () => {
    const res = await t.call("GET", "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({ code: "not_found", message: expect.stringContaining("/api/v1/nothing-here"), requestId: expect.any(String) });
  });
});
