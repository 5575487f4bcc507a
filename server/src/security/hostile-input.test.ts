import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { rowsOf } from "../db/client.ts";

/*
 * The audit's reproductions (issue 10, findings 3 and 4): each once gave a 500.
 * Control characters and years outside 2000–2100 are refused at the boundary
 * with a 400 naming the field, before they reach the database.
 */

let t: TestApp;
let admin: Record<string, string>;
let codeId: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = { authorization: (await t.staff("admin")).authorization };
  const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A12345", kind: "bus", routeId: "K51" }, admin);
  codeId = v.json.code.id;
});
afterAll(() => t.close());

const refused = (res: { status: number; json: { error?: { code?: string; message?: string } } }, field: string) => {
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect(res.json.error?.code).toBe("invalid_request");
  expect(res.json.error?.message).toContain(field);
};

describe("a NUL byte", () => {
  it("in a sign-in is refused with 400, before any sign-in is needed", async () => {
    refused(await t.call("POST", "/api/v1/auth/login", { username: "ad\u0000min", password: "x" }), "username");
  });

  it("in a check-in's seat is refused with 400 and stores nothing", async () => {
    refused(await t.call("POST", "/api/v1/checkins", { code: codeId, phone: "13800000001", seat: "1\u00002" }), "seat");
    expect(rowsOf(await t.deps.db.execute("select id from checkins"))).toEqual([]);
  });

  it("in a vehicle's plate, route or operator is refused with 400", async () => {
    for (const field of ["plate", "routeId", "operator"]) {
      refused(await t.call("POST", "/api/v1/vehicles", { plate: "鲁B00001", kind: "bus", [field]: "X\u0000Y" }, admin), field);
    }
  });

  it("in a new user's password or operator is refused with 400", async () => {
    refused(await t.call("POST", "/api/v1/users", { username: "tracer-nul", password: "long enough\u0000", role: "tracer" }, admin), "password");
    refused(await t.call("POST", "/api/v1/users", { username: "op-nul", password: "long enough pw", role: "operator", operator: "Bus\u0000Co" }, admin), "operator");
  });

  it("in a trace's reason is refused with 400", async () => {
    const window = { from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z" };
    refused(await t.call("POST", "/api/v1/traces", { phone: "13800000001", ...window, reason: "case\u00001" }, admin), "reason");
  });

  it("in a query parameter is refused with 400", async () => {
    refused(await t.call("GET", "/api/v1/vehicles?routeId=%00", undefined, admin), "routeId");
  });
});

describe("other text that is not text", () => {
  it("refuses C1 controls and lone surrogates, and keeps CJK, Arabic and emoji", async () => {
    refused(await t.call("POST", "/api/v1/vehicles", { plate: "鲁C\u0085001", kind: "bus" }, admin), "plate");
    refused(await t.call("POST", "/api/v1/vehicles", `{"plate":"鲁C\\ud800X","kind":"bus"}`, admin), "plate");
    const ok = await t.call("POST", "/api/v1/vehicles", { plate: "鲁C·0001", kind: "bus", operator: "شركة 🚌 济南公交", routeId: "K51\u200f" }, admin);
    expect(ok.status, ok.text).toBe(201);
    const stored = await t.call("GET", `/api/v1/vehicles/${ok.json.id}`, undefined, admin);
    expect(stored.json).toMatchObject({ plate: "鲁C·0001", operator: "شركة 🚌 济南公交", routeId: "K51\u200f" });
  });
});

describe("dates outside 2000–2100", () => {
  it("in a trips window are refused with 400", async () => {
    refused(await t.call("GET", "/api/v1/trips?to=0000-01-01T00:00:00Z", undefined, admin), "to");
    refused(await t.call("GET", "/api/v1/trips?from=9999-01-01T00:00:00Z", undefined, admin), "from");
  });

  it("in a flow window are refused with 400", async () => {
    refused(await t.call("GET", "/api/v1/flow?from=0000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", undefined, admin), "from");
  });

  it("in a trace window are refused with 400", async () => {
    refused(await t.call("POST", "/api/v1/traces", { phone: "13800000001", from: "1999-12-31T00:00:00Z", to: "2000-01-02T00:00:00Z", reason: "c" }, admin), "from");
  });
});
