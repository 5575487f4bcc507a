import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";

let t: TestApp;
let admin: { authorization: string; username: string; password: string };
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.staff("admin");
});
afterAll(() => t.close());

/** The session cookie a browser holds after signing in through the console. */
async function sessionCookie(who: { username: string; password: string }) {
  const login = await t.call("POST", "/api/v1/auth/login", { username: who.username, password: who.password });
  return (login.headers.get("set-cookie") ?? "").split(";")[0]!;
}

/** The headers a browser adds to a form submitted from a page on another port of the same host. */
const fromOtherPort = { origin: "http://transit.test:8081", "sec-fetch-site": "same-site", "content-type": "application/x-www-form-urlencoded" };
const fromOurPage = { origin: "http://transit.test", "sec-fetch-site": "same-origin" };

async function vehicle() {
  const res = await t.call("POST", "/api/v1/vehicles", { plate: `鲁A·X${Math.random().toString().slice(2, 6)}`, kind: "bus" }, admin);
  return res.json as { id: string; code: { id: string } };
}

const post = (path: string, headers: Record<string, string>) => t.app.request(path, { method: "POST", headers });

describe("cross-site request forgery", () => {
  it("refuses a body-less form POST from another port's page that carries the session cookie, and the code stays", async () => {
    const v = await vehicle();
    const cookie = await sessionCookie(admin);
    const res = await post(`/api/v1/vehicles/${v.id}/code/rotate`, { cookie, ...fromOtherPort });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("csrf_refused");
    expect((await t.app.request(`/v/${v.code.id}`)).status).toBe(200);
  });

  it("refuses a cross-site POST that only sends Origin (an older browser without Sec-Fetch-Site)", async () => {
    const v = await vehicle();
    const res = await post(`/api/v1/vehicles/${v.id}/code/rotate`, { cookie: await sessionCookie(admin), origin: "http://evil.example" });
    expect(res.status).toBe(403);
  });

  it("lets the console's own page rotate a code with the cookie", async () => {
    const v = await vehicle();
    const res = await post(`/api/v1/vehicles/${v.id}/code/rotate`, { cookie: await sessionCookie(admin), ...fromOurPage });
    expect(res.status).toBe(201);
  });

  it("lets API clients with a bearer token go ahead without any Origin", async () => {
    const v = await vehicle();
    const res = await post(`/api/v1/vehicles/${v.id}/code/rotate`, { authorization: admin.authorization });
    expect(res.status).toBe(201);
  });

  it("guards agent reset, logout, alight and the passenger's device-cookie forms the same way", async () => {
    const v = await vehicle();
    const cookie = await sessionCookie(admin);
    const device = (await t.verifyPhone("13800000077")).cookie;
    const checkin = await t.call("POST", "/api/v1/checkins", { code: v.code.id }, { cookie: device });
    for (const [path, c] of [
      [`/api/v1/vehicles/${v.id}/agent/reset`, cookie],
      ["/api/v1/auth/logout", cookie],
      [`/api/v1/checkins/${checkin.json.checkinId}/alight`, device],
      ["/passenger/forget", device],
      ["/api/v1/otp", device],
      ["/api/v1/otp/verify", device],
      ["/pass", device],
    ] as const) {
      const res = await post(path, { cookie: c, ...fromOtherPort });
      expect(res.status, path).toBe(403);
    }
    // The session survived the forged logout, and the ride is still open.
    expect((await t.call("GET", "/api/v1/auth/me", undefined, { cookie })).status).toBe(200);
    const alight = await post(`/api/v1/checkins/${checkin.json.checkinId}/alight`, { cookie: device, ...fromOurPage });
    expect(alight.status).toBe(200);
  });
});
