import { Hono } from "hono";
import { setSignedCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import { devicePersonId, rememberDevice } from "./device.ts";

const SECRET = "a device-cookie key for this test";
const PERSON = "019a0000-0000-7000-8000-000000000001";

/** A tiny app that sets the device cookie one way and reads it back. */
function app(set: (c: Parameters<typeof rememberDevice>[0]) => Promise<void>, readWith = SECRET) {
  const a = new Hono();
  a.get("/set", async (c) => {
    await set(c);
    return c.body(null, 204);
  });
  a.get("/who", async (c) => c.text((await devicePersonId(c, readWith)) ?? "nobody"));
  return a;
}

async function roundTrip(a: Hono, tamper: (cookie: string) => string = (x) => x) {
  const set = await a.request("/set");
  const cookie = set.headers.get("set-cookie")!.split(";")[0]!;
  return (await a.request("/who", { headers: { cookie: tamper(cookie) } })).text();
}

describe("the remembered device", () => {
  it("knows the person its cookie names", async () => {
    expect(await roundTrip(app((c) => rememberDevice(c, SECRET, PERSON, "http://x")))).toBe(PERSON);
  });

  it("forgets devices remembered before phones were verified (anyone could type a phone then)", async () => {
    expect(await roundTrip(app((c) => setSignedCookie(c, "tc_device", PERSON, SECRET, { path: "/" })))).toBe("nobody");
  });

  it("knows nobody when the cookie names another person or is signed with another key", async () => {
    const a = app((c) => rememberDevice(c, SECRET, PERSON, "http://x"));
    expect(await roundTrip(a, (c) => c.replace("000000000001", "000000000002"))).toBe("nobody");
    const other = app((c) => rememberDevice(c, "another key", PERSON, "http://x"));
    expect(await roundTrip(other)).toBe("nobody");
    expect(await roundTrip(a, () => "tc_device=garbage")).toBe("nobody");
  });

  it("knows a cookie it checked before only under the key that signed it", async () => {
    const a = app((c) => rememberDevice(c, SECRET, PERSON, "http://x"));
    const cookie = (await a.request("/set")).headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await a.request("/who", { headers: { cookie } })).text()).toBe(PERSON);
    const otherKey = app((c) => rememberDevice(c, SECRET, PERSON, "http://x"), "another key");
    expect(await (await otherKey.request("/who", { headers: { cookie } })).text()).toBe("nobody");
    expect(await (await a.request("/who", { headers: { cookie } })).text()).toBe(PERSON);
  });
});
