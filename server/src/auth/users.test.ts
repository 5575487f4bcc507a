import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";

let t: TestApp;
let admin: Awaited<ReturnType<TestApp["staff"]>>;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.staff("admin");
});
afterAll(() => t.close());

const me = (auth: { authorization: string }) => t.call("GET", "/api/v1/auth/me", undefined, auth);
const idOf = async (auth: { authorization: string }) => (await me(auth)).json.id as string;
const signIn = (username: string, password: string) => t.call("POST", "/api/v1/auth/login", { username, password });

describe("managing staff accounts", () => {
  it("disabling a user ends their sessions at once and stops sign-in; enabling lets them back in", async () => {
    const tracer = await t.staff("tracer");
    const id = await idOf(tracer);
    const disabled = await t.call("POST", `/api/v1/users/${id}/disable`, undefined, admin);
    expect(disabled.status).toBe(200);
    expect(disabled.json.disabledAt).toEqual(expect.any(String));
    expect((await me(tracer)).status).toBe(401);
    expect((await signIn(tracer.username, tracer.password)).status).toBe(401);
    const listed = (await t.call("GET", "/api/v1/users", undefined, admin)).json.users.find((u: { id: string }) => u.id === id);
    expect(listed.disabledAt).not.toBeNull();

    expect((await t.call("POST", `/api/v1/users/${id}/enable`, undefined, admin)).json.disabledAt).toBeNull();
    expect((await signIn(tracer.username, tracer.password)).status).toBe(200);
  });

  it("lets only admin disable, enable or reset, and not disable themself", async () => {
    const operator = await t.staff("operator", "Users Bus Co");
    const tracer = await t.staff("tracer");
    const id = await idOf(tracer);
    expect((await t.call("POST", `/api/v1/users/${id}/disable`, undefined, operator)).status).toBe(403);
    expect((await t.call("PUT", `/api/v1/users/${id}/password`, { password: "a new long password" }, tracer)).status).toBe(403);
    expect((await t.call("POST", `/api/v1/users/${await idOf(admin)}/disable`, undefined, admin)).status).toBe(400);
    expect((await t.call("POST", "/api/v1/users/00000000-0000-7000-8000-000000000000/disable", undefined, admin)).status).toBe(404);
  });

  it("an admin's password reset ends every session of that user; the new password works, the old does not", async () => {
    const tracer = await t.staff("tracer");
    const reset = await t.call("PUT", `/api/v1/users/${await idOf(tracer)}/password`, { password: "reset by admin 1" }, admin);
    expect(reset.status).toBe(204);
    expect((await me(tracer)).status).toBe(401);
    expect((await signIn(tracer.username, tracer.password)).status).toBe(401);
    expect((await signIn(tracer.username, "reset by admin 1")).status).toBe(200);
  });

  it("a user changes their own password with the current one; their other sessions end, this one stays", async () => {
    const tracer = await t.staff("tracer");
    const other = { authorization: `Bearer ${(await signIn(tracer.username, tracer.password)).json.token}` };
    const wrong = await t.call("POST", "/api/v1/auth/password", { currentPassword: "not my password", newPassword: "my new password 1" }, tracer);
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe("wrong_password");

    const changed = await t.call("POST", "/api/v1/auth/password", { currentPassword: tracer.password, newPassword: "my new password 1" }, tracer);
    expect(changed.status).toBe(204);
    expect((await me(tracer)).status).toBe(200);
    expect((await me(other)).status).toBe(401);
    expect((await signIn(tracer.username, "my new password 1")).status).toBe(200);
  });
});
