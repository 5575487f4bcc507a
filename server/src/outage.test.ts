import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "./auth/auth.middleware.ts";
import { startTestSystem, type TestSystem } from "../test/system.ts";

/*
 * With the database gone (closed under the running app, as a crashed or
 * restarting server looks to the driver), nothing answers 500: pages answer a
 * 503 page in both languages, the API a 503 error body, both with Retry-After,
 * and /health names what is down.
 */

let sys: TestSystem;
let admin: { authorization: string; token: string };
let code: string;

beforeAll(async () => {
  sys = await startTestSystem();
  const staff = await sys.t.staff("admin");
  admin = { authorization: staff.authorization, token: staff.authorization.replace(/^Bearer /, "") };
  code = (await sys.registerVehicle()).code.id;
});
afterAll(async () => {
  await sys.close().catch(() => {}); // the database is already closed
});

describe("with the database and the broker up", () => {
  it("/health says so", async () => {
    const res = await sys.t.call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok", database: "ok", broker: "ok" });
  });
});

describe("with the database unreachable", () => {
  beforeAll(() => sys.t.database.close());

  const expectUnavailablePage = async (res: Response) => {
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).toContain("服务暂时无法使用");
    expect(page).toContain("Temporarily unavailable");
  };

  const expectUnavailableError = (res: { status: number; json: { error?: { code?: string } }; headers: Headers }) => {
    expect(res.status).toBe(503);
    expect(res.json.error?.code).toBe("unavailable");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  };

  it("the passenger page answers a 503 page in Chinese and English", async () => {
    await expectUnavailablePage(await sys.t.app.request(`/v/${code}`));
  });

  it("asking for a printed pass answers a 503 page", async () => {
    const form = new URLSearchParams({ phone: "13800000001", name: "王芳" });
    await expectUnavailablePage(await sys.t.app.request("/pass", { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } }));
  });

  it("the console of a signed-in tracer answers a 503 page", async () => {
    await expectUnavailablePage(await sys.t.app.request("/", { headers: { cookie: `${SESSION_COOKIE}=${admin.token}` } }));
  });

  it("a check-in answers 503 unavailable", async () => {
    expectUnavailableError(await sys.t.call("POST", "/api/v1/checkins", { code, phone: "13800000001" }));
  });

  it("signing in and every signed-in API call answer 503 unavailable", async () => {
    expectUnavailableError(await sys.t.call("POST", "/api/v1/auth/login", { username: "admin", password: "whatever it is" }));
    expectUnavailableError(await sys.t.call("GET", "/api/v1/vehicles", undefined, { authorization: admin.authorization }));
  });

  it("/health answers 503 naming the database, not the broker", async () => {
    const res = await sys.t.call("GET", "/health");
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ status: "unavailable", database: "unreachable", broker: "ok" });
  });

  it("/health names the broker too once it is gone", async () => {
    await sys.messaging.close();
    const res = await sys.t.call("GET", "/health");
    expect(res.json).toEqual({ status: "unavailable", database: "unreachable", broker: "unreachable" });
  });
});
