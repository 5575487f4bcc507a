import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { createLogger } from "../logger.ts";
import { LOGIN_LIMITS } from "./login-throttle.ts";

let t: TestApp;
let logs = "";
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  t = await createTestApp({ logger: createLogger("info", sink) });
});
afterAll(() => t.close());

const signIn = (username: string, password: string, from = "198.51.100.7") =>
  t.call("POST", "/api/v1/auth/login", { username, password }, {}, from);

describe("staff sign-in under password guessing", () => {
  it("refuses a username with 429 and Retry-After after ten wrong passwords, even the right one, until the window ends", async () => {
    const { username, password } = await t.staff("tracer");
    for (let i = 0; i < LOGIN_LIMITS.perUser.limit; i++) {
      expect((await signIn(username, `guess number ${i}`)).status).toBe(401);
    }
    const right = await signIn(username, password, "203.0.113.9");
    expect(right.status).toBe(429);
    expect(right.json.error.code).toBe("rate_limited");
    const retryAfter = Number(right.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOGIN_LIMITS.perUser.windowMs / 1000);

    t.clock.advance(retryAfter * 1000);
    expect((await signIn(username, password)).status).toBe(200);
  });

  it("refuses parallel guesses as well: only ten of thirty are even tried", async () => {
    const { username } = await t.staff("tracer");
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(username, `parallel ${i}`, `192.0.2.${i}`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_LIMITS.perUser.limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - LOGIN_LIMITS.perUser.limit);
    expect((await signIn(username, "one more", "192.0.2.200")).status).toBe(429);
  });

  it("refuses an address that guesses across many usernames", async () => {
    const from = "198.51.100.66";
    for (let i = 0; i < LOGIN_LIMITS.perAddress.limit; i++) {
      expect((await signIn(`nobody-${i}`, "whatever it is", from)).status).toBe(401);
    }
    const { username, password } = await t.staff("tracer");
    expect((await signIn(username, password, from)).status).toBe(429);
    expect((await signIn(username, password, "198.51.100.67")).status).toBe(200);
  });

  it("logs each failure by user id, never the password or the typed username, and counts it in /metrics", async () => {
    const { username } = await t.staff("operator", "Log Bus Co");
    logs = "";
    expect((await signIn(username, "my-secret-guess")).status).toBe(401);
    expect((await signIn("hunter2-typed-as-name", "x-secret-guess")).status).toBe(401);
    expect(logs).toContain("sign-in failed");
    expect(logs).toContain('"reason":"wrong_password"');
    expect(logs).toContain('"reason":"unknown_user"');
    expect(logs).not.toContain("my-secret-guess");
    expect(logs).not.toContain("x-secret-guess");
    expect(logs).not.toContain("hunter2-typed-as-name");
    const metrics = await (await t.app.request("/metrics")).text();
    expect(metrics).toMatch(/login_failures_total\{outcome="invalid"\} [1-9]/);
    expect(metrics).toMatch(/login_failures_total\{outcome="throttled"\} [1-9]/);
  });
});
