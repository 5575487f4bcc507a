import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test/harness.ts";
import { createLogger } from "./logger.ts";

let t: TestApp;
const lines: string[] = [];
let codeId = "";
beforeAll(async () => {
  t = await createTestApp({ logger: createLogger("debug", { write: (line: string) => void lines.push(line) }) });
  const admin = await t.staff("admin");
  codeId = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·RQ001", kind: "bus" }, admin)).json.code.id;
});
afterAll(() => t.close());

const logOf = (requestId: string) => lines.filter((l) => JSON.parse(l).requestId === requestId);

describe("request ids", () => {
  it("are on every response and in every error body, the same id", async () => {
    const ok = await t.call("GET", "/health");
    expect(ok.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await t.call("GET", "/api/v1/vehicles");
    expect(refused.status).toBe(401);
    expect(refused.json.error.requestId).toBe(refused.headers.get("x-request-id"));
    const invalid = await t.call("POST", "/api/v1/checkins", { code: "" });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.requestId).toBe(invalid.headers.get("x-request-id"));
    const page = await t.app.request(`/v/${codeId}`);
    expect(page.headers.get("x-request-id")).toBeTruthy();
  });

  it("keep a sane incoming X-Request-Id and replace one that is not", async () => {
    const kept = await t.call("GET", "/health", undefined, { "x-request-id": "edge-7f3a9c21-01" });
    expect(kept.headers.get("x-request-id")).toBe("edge-7f3a9c21-01");
    const replaced = await t.call("GET", "/health", undefined, { "x-request-id": "<script>" + "x".repeat(300) });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("mark the request's log lines, which name its route and never the poster code in its path", async () => {
    const failed = await t.call("POST", "/api/v1/auth/login", { username: "nobody-here", password: "wrong password" });
    const id = failed.json.error.requestId;
    const mine = logOf(id);
    expect(mine.some((l) => l.includes("sign-in failed"))).toBe(true);
    expect(mine.some((l) => l.includes('"route":"/api/v1/auth/login"'))).toBe(true);

    const page = await t.app.request(`/v/${codeId}`);
    const pageLines = logOf(page.headers.get("x-request-id")!);
    expect(pageLines.some((l) => l.includes('"route":"/v/:code"'))).toBe(true);
    expect(lines.join("")).not.toContain(codeId);
  });

  it("mark the lines other modules log while serving the request, such as the check-in's", async () => {
    const res = await t.call("POST", "/api/v1/checkins", { code: codeId, phone: "13811119999" });
    expect(res.status).toBe(201);
    const mine = logOf(res.headers.get("x-request-id")!);
    expect(mine.some((l) => l.includes("passenger checked in") && l.includes(res.json.checkinId))).toBe(true);
  });
});
