import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { ensureAdmin } from "./bootstrap.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("staff sign-in", () => {
  it("creates admin on first start with a generated password, once", async () => {
    const first = await ensureAdmin(t.auth);
    expect(first?.generatedPassword).toMatch(/^[\w-]{16}$/);
    expect(await ensureAdmin(t.auth)).toBeNull();
    const login = await t.call("POST", "/api/v1/auth/login", { username: "admin", password: first!.generatedPassword });
    expect(login.status).toBe(200);
    expect(login.json.user.role).toBe("admin");
  });

  it("returns a bearer token and sets it as an HttpOnly cookie that also works", async () => {
    const { username, password } = await t.staff("tracer");
    const login = await t.call("POST", "/api/v1/auth/login", { username, password });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/session=[^;]+;.*HttpOnly/i);
    // Its lifetime is relative (Max-Age), so a browser whose clock differs from
    // the server's keeps it for the whole session rather than dropping it at once.
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toMatch(/Expires=/i);

    const byBearer = await t.call("GET", "/api/v1/auth/me", undefined, { authorization: `Bearer ${login.json.token}` });
    expect(byBearer.json).toMatchObject({ username, role: "tracer" });
    const byCookie = await t.call("GET", "/api/v1/auth/me", undefined, { cookie: cookie.split(";")[0]! });
    expect(byCookie.json.username).toBe(username);
  });

  it("refuses a wrong password with 401 and a code", async () => {
    const { username } = await t.staff("tracer");
    const res = await t.call("POST", "/api/v1/auth/login", { username, password: "not it at all" });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("invalid_credentials");
  });

  it("ends the session on logout", async () => {
    const s = await t.staff("operator", "Logout Bus Co");
    expect((await t.call("POST", "/api/v1/auth/logout", undefined, s)).status).toBe(204);
    expect((await t.call("GET", "/api/v1/auth/me", undefined, s)).status).toBe(401);
  });

  it("expires sessions after their lifetime", async () => {
    const s = await t.staff("tracer");
    t.clock.advance(13 * 3_600_000);
    expect((await t.call("GET", "/api/v1/auth/me", undefined, s)).status).toBe(401);
  });

  it("lets only admin create staff, and an operator account needs its company", async () => {
    const admin = await t.staff("admin");
    const tracer = await t.staff("tracer");
    const body = { username: "ops.jinan", password: "long enough pw", role: "operator", operator: "Jinan Bus" };
    expect((await t.call("POST", "/api/v1/users", body, tracer)).status).toBe(403);
    const created = await t.call("POST", "/api/v1/users", body, admin);
    expect(created.status).toBe(201);
    expect(created.json.operatorId).toEqual(expect.any(String));
    expect((await t.call("POST", "/api/v1/users", body, admin)).status).toBe(409);
    const noCompany = await t.call("POST", "/api/v1/users", { ...body, username: "ops.x", operator: undefined }, admin);
    expect(noCompany.status).toBe(400);
    expect(noCompany.json.error.code).toBe("operator_required");
  });
});
