import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { rowsOf } from "../db/client.ts";
import { staffAccounts } from "../../../protocol/api/staff.ts";

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

  it("changes a user's role from their next request on, naming an operator's company, audited with what it was", async () => {
    const tracer = await t.staff("tracer");
    const id = await idOf(tracer);
    expect((await t.call("GET", "/api/v1/traces", undefined, tracer)).status).toBe(200);

    const noCompany = await t.call("PUT", `/api/v1/users/${id}/role`, { role: "operator" }, admin);
    expect(noCompany.status).toBe(400);
    expect(noCompany.json.error.code).toBe("operator_required");

    const changed = await t.call("PUT", `/api/v1/users/${id}/role`, { role: "operator", operator: "Role Bus Co" }, admin);
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json).toMatchObject({ id, role: "operator", operator: "Role Bus Co", operatorId: expect.any(String), disabledAt: null });
    // The same session, now an operator's: no traces, but their own fleet.
    expect((await me(tracer)).json.role).toBe("operator");
    expect((await t.call("GET", "/api/v1/traces", undefined, tracer)).status).toBe(403);
    expect((await t.call("GET", "/api/v1/vehicles", undefined, tracer)).status).toBe(200);
    const all = (await t.call("GET", "/api/v1/users", undefined, admin)).json;
    expect(staffAccounts.parse(all)).toEqual(all); // exactly the contract the console reads (protocol/api/)
    expect(all.users.find((u: { id: string }) => u.id === id)).toMatchObject({ role: "operator", operator: "Role Bus Co" });

    // Back to tracer: the company goes with the operator role.
    const back = await t.call("PUT", `/api/v1/users/${id}/role`, { role: "tracer", operator: "ignored Co" }, admin);
    expect(back.json).toMatchObject({ role: "tracer", operatorId: null, operator: null });

    const audit = rowsOf<{ action: string; actor_name: string; details: Record<string, unknown> }>(
      await t.deps.db.execute(sql`select action, actor_name, details from audit_log where action = 'user.role' and details->>'userId' = ${id} order by at, id`),
    );
    expect(audit.map((a) => [a.details.previous, a.details.role])).toEqual([["tracer", "operator"], ["operator", "tracer"]]);
    expect(audit.every((a) => a.actor_name === admin.username)).toBe(true);
  });

  it("lets only admin change a role, not their own, and says so for a user that does not exist", async () => {
    const tracer = await t.staff("tracer");
    const id = await idOf(tracer);
    expect((await t.call("PUT", `/api/v1/users/${id}/role`, { role: "admin" }, tracer)).status).toBe(403);
    expect((await me(tracer)).json.role).toBe("tracer");
    expect((await t.call("PUT", `/api/v1/users/${await idOf(admin)}/role`, { role: "tracer" }, admin)).status).toBe(400);
    expect((await t.call("PUT", "/api/v1/users/00000000-0000-7000-8000-000000000000/role", { role: "tracer" }, admin)).status).toBe(404);
    expect((await t.call("PUT", `/api/v1/users/${id}/role`, { role: "superuser" }, admin)).status).toBe(400);
  });

  it("writes every admin act on an account to the audit log, never the password", async () => {
    const created = await t.call("POST", "/api/v1/users", { username: "audited.one", password: "a long password 1", role: "tracer" }, admin);
    const id = created.json.id as string;
    await t.call("PUT", `/api/v1/users/${id}/password`, { password: "another password 2" }, admin);
    await t.call("POST", `/api/v1/users/${id}/disable`, undefined, admin);
    await t.call("POST", `/api/v1/users/${id}/enable`, undefined, admin);
    const rows = rowsOf<{ action: string; details: unknown }>(
      await t.deps.db.execute(sql`select action, details from audit_log where details->>'userId' = ${id} order by at, id`),
    );
    expect(rows.map((r) => r.action)).toEqual(["user.create", "user.password", "user.disable", "user.enable"]);
    expect(JSON.stringify(rows)).not.toContain("password 2");
  });
});
