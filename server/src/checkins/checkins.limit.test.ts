import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { TYPED_PHONE_LIMIT } from "./checkins.routes.ts";

let t: TestApp;
let code: string;
beforeAll(async () => {
  t = await createTestApp();
  const admin = await t.staff("admin");
  code = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·L0001", kind: "bus" }, admin)).json.code.id;
});
afterAll(() => t.close());

describe("typed-phone check-ins from one address", () => {
  it("are limited, so a script cannot fill the persons table from a list of phones; a verified device still checks in", async () => {
    const first = await t.verifyPhone("13900000000");
    for (let i = 0; i < TYPED_PHONE_LIMIT.limit; i++) {
      const res = await t.call("POST", "/api/v1/checkins", { code, phone: `1390000${String(i).padStart(4, "0")}` });
      expect(res.status).toBe(201);
      expect(res.json.status).toBeNull(); // and none of them shows a status colour
    }
    const over = await t.call("POST", "/api/v1/checkins", { code, phone: "13911112222" });
    expect(over.status).toBe(429);
    expect(over.json.error.code).toBe("rate_limited");

    t.clock.advance(61_000);
    const oneTap = await t.call("POST", "/api/v1/checkins", { code }, { cookie: first.cookie });
    expect(oneTap.status).toBe(201);
    expect(oneTap.json.personId).toBe(first.personId);

    t.clock.advance(TYPED_PHONE_LIMIT.windowMs);
    expect((await t.call("POST", "/api/v1/checkins", { code, phone: "13911112222" })).status).toBe(201);
  });
});
