import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test/harness.ts";
import { TYPED_PHONE_LIMIT } from "./checkins/checkins.routes.ts";
import { PASS_LIMIT } from "./passes/passes.service.ts";

/** Two server processes over one database, as behind a load balancer; both trust one proxy hop. */
let a: TestApp;
let b: TestApp;
let code: string;
beforeAll(async () => {
  a = await createTestApp({ env: { TRUST_PROXY: "1" } });
  b = await createTestApp({ env: { TRUST_PROXY: "1" }, database: a.database, clock: a.clock });
  const admin = await a.staff("admin");
  code = (await a.call("POST", "/api/v1/vehicles", { plate: "鲁A·R0001", kind: "bus" }, admin)).json.code.id;
});
afterAll(() => a.close());

const PROXY = "10.0.0.2";
/**
 * A pass for a phone this device has not proved is refused (403
 * phone_unverified) after the limit counted it: that answer, rather than 429,
 * is what "within the limit" looks like from a stranger's device.
 */
const withinLimit = (res: { status: number; json: { error?: { code?: string } } }) => {
  expect(res.status).toBe(403);
  expect(res.json.error?.code).toBe("phone_unverified");
};
const pass = (app: TestApp, client: string, i: number) =>
  app.call("POST", "/api/v1/passes", { phone: `1370000${String(i).padStart(4, "0")}`, name: "王" }, { "x-forwarded-for": client }, PROXY);

describe("rate limits behind a proxy and across servers", () => {
  it("count one limit for a client whichever server answers it", async () => {
    for (let i = 0; i < PASS_LIMIT.limit; i++) withinLimit(await pass(i % 2 ? a : b, "198.51.100.1", i));
    const over = await pass(b, "198.51.100.1", 99);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("tell passengers behind the same proxy apart by X-Forwarded-For", async () => {
    withinLimit(await pass(a, "198.51.100.2", 50));
  });

  it("count typed-phone check-ins per forwarded client, not per proxy", async () => {
    const checkIn = (client: string, i: number) =>
      a.call("POST", "/api/v1/checkins", { code, phone: `1360000${String(i).padStart(4, "0")}` }, { "x-forwarded-for": client }, PROXY);
    for (let i = 0; i < TYPED_PHONE_LIMIT.limit; i++) expect((await checkIn(`192.0.2.${i}`, i)).status).toBe(201);
    expect((await checkIn("192.0.2.1", 500)).status).toBe(201);
  });

  it("ignore X-Forwarded-For when no proxy is trusted, so a client cannot dodge the limit by inventing addresses", async () => {
    const direct = await createTestApp({ database: a.database, clock: a.clock });
    for (let i = 0; i < PASS_LIMIT.limit; i++) {
      const res = await direct.call("POST", "/api/v1/passes", { phone: `1350000${String(i).padStart(4, "0")}`, name: "李" }, { "x-forwarded-for": `6.6.6.${i}` }, "203.0.113.77");
      withinLimit(res);
    }
    const over = await direct.call("POST", "/api/v1/passes", { phone: "13500009999", name: "李" }, { "x-forwarded-for": "6.6.6.200" }, "203.0.113.77");
    expect(over.status).toBe(429);
  });
});
