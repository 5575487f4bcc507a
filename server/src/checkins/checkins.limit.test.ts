import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { TYPED_PHONE_LIMIT } from "./checkins.routes.ts";
import { count } from "drizzle-orm";
import { checkins, persons } from "../db/schema/index.ts";

let t: TestApp;
let code: string;
beforeAll(async () => {
  t = await createTestApp();
  const admin = await t.staff("admin");
  code = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·L0001", kind: "bus" }, admin)).json.code.id;
});
afterAll(() => t.close());

async function counts() {
  const [p] = await t.deps.db.select({ n: count() }).from(persons);
  const [c] = await t.deps.db.select({ n: count() }).from(checkins);
  return { persons: p!.n, checkins: c!.n };
}

describe("typed-phone check-ins from one address", () => {
  it("are limited, so a script cannot fill the persons table from a list of phones; a verified device still checks in", async () => {
    const first = await t.verifyPhone("13900000000");
    for (let i = 0; i < TYPED_PHONE_LIMIT.limit; i++) {
      const res = await t.call("POST", "/api/v1/checkins", { code, phone: `1390000${String(i).padStart(4, "0")}` });
      expect(res.status).toBe(201);
      expect(res.json.status).toBeNull(); // and none of them shows a status colour
    }
    const before = await counts();
    const over = await t.call("POST", "/api/v1/checkins", { code, phone: "13911112222" });
    expect(over.status).toBe(429);
    expect(over.json.error.code).toBe("rate_limited");
    const retryAfter = Number(over.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(TYPED_PHONE_LIMIT.windowMs / 1000);
    // A refused check-in records nothing: no person for the phone, no ride.
    expect(await counts()).toEqual(before);
    // A companion's phone counts too, and is refused with the rest.
    const withCompanion = await t.call("POST", "/api/v1/checkins", { code, companions: [{ name: "李", phone: "13922223333" }] }, { cookie: first.cookie });
    expect(withCompanion.status).toBe(429);
    expect(await counts()).toEqual(before);

    // Staff checking passengers in at a depot's desk are not held to it.
    const desk = await t.call("POST", "/api/v1/checkins", { code, phone: "13911113333" }, await t.staff("operator"));
    expect(desk.status).toBe(201);

    t.clock.advance(61_000);
    const oneTap = await t.call("POST", "/api/v1/checkins", { code }, { cookie: first.cookie });
    expect(oneTap.status).toBe(201);
    expect(oneTap.json.personId).toBe(first.personId);

    t.clock.advance(TYPED_PHONE_LIMIT.windowMs);
    expect((await t.call("POST", "/api/v1/checkins", { code, phone: "13911112222" })).status).toBe(201);
  });
});
