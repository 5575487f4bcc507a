import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { ROUTE_ID_MAX } from "../../../protocol/fields.ts";
import { createVehiclesRepository } from "./vehicles.repository.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("vehicle registry", () => {
  it("registers a vehicle and returns its code and the agent's password once", async () => {
    const admin = await t.staff("admin");
    const res = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·12345", kind: "bus", routeId: "K51", capacity: 60 }, admin);
    expect(res.status).toBe(201);
    expect(res.json.code.url).toBe(`http://transit.test/v/${res.json.code.id}`);
    expect(res.json.code.id.length).toBeGreaterThanOrEqual(16);
    expect(res.json.agent).toEqual({ username: res.json.id, password: expect.any(String) });

    const got = await t.call("GET", `/api/v1/vehicles/${res.json.id}`, undefined, admin);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ plate: "鲁A·12345", kind: "bus", routeId: "K51", capacity: 60, online: false });
    expect(JSON.stringify(got.json)).not.toContain(res.json.agent.password);
  });

  it("lets an operator see and register only its own fleet", async () => {
    const a = await t.staff("operator", "Jinan Bus");
    const b = await t.staff("operator", "Qingdao Taxi");
    const mine = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·00001", kind: "bus", operator: "Qingdao Taxi" }, a);
    expect(mine.status).toBe(201);
    const theirs = await t.call("POST", "/api/v1/vehicles", { plate: "鲁B·00002", kind: "taxi" }, b);

    const got = await t.call("GET", `/api/v1/vehicles/${mine.json.id}`, undefined, a);
    expect(got.json.operator).toBe("Jinan Bus"); // operator staff cannot register into another fleet
    expect((await t.call("GET", `/api/v1/vehicles/${theirs.json.id}`, undefined, a)).status).toBe(403);
    const listed = await t.call("GET", "/api/v1/vehicles", undefined, a);
    expect(listed.json.vehicles.map((v: { plate: string }) => v.plate)).toEqual(["鲁A·00001"]);
  });

  it("refuses registration by a tracer and by anyone not signed in", async () => {
    const tracer = await t.staff("tracer");
    expect((await t.call("POST", "/api/v1/vehicles", { plate: "X1234", kind: "taxi" }, tracer)).status).toBe(403);
    const anon = await t.call("POST", "/api/v1/vehicles", { plate: "X1234", kind: "taxi" });
    expect(anon.status).toBe(401);
    expect(anon.json.error.code).toBe("unauthorized");
  });

  it("answers bad input with 400 and a code, never 500", async () => {
    const admin = await t.staff("admin");
    const wrongKind = await t.call("POST", "/api/v1/vehicles", { plate: "X1234", kind: "tram" }, admin);
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.json.error.code).toBe("invalid_request");
    expect(wrongKind.json.error.message).toContain("kind");
    const malformed = await t.call("POST", "/api/v1/vehicles", "{plate:", admin);
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBeDefined();
    const badId = await t.call("GET", "/api/v1/vehicles/not-a-uuid", undefined, admin);
    expect(badId.status).toBe(400);
    const huge = await t.call("POST", "/api/v1/vehicles", { plate: "X".repeat(100_000), kind: "bus" }, admin);
    expect(huge.status).toBe(413);
  });

  it("takes a route id as long as a GTFS feed's (64 characters) on register, correction, fleet upload and list filter, and refuses a longer one", async () => {
    const op = await t.staff("operator", "Long Route Co");
    const operator = await t.auth.operatorByName("Long Route Co");
    // As long as the importer takes (gtfs.files.ts), with no break opportunity.
    const longest = "de:vbb:1923_700:" + "9".repeat(64 - 16);
    const tooLong = longest + "9";
    expect(longest).toHaveLength(ROUTE_ID_MAX);

    const created = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·RT064", kind: "bus", routeId: longest }, op);
    expect(created.status, created.text).toBe(201);
    const refused = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·RT065", kind: "bus", routeId: tooLong }, op);
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("routeId");

    const other = (await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·RT066", kind: "bus" }, op)).json.id;
    const patched = await t.call("PATCH", `/api/v1/vehicles/${other}`, { routeId: longest }, op);
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.routeId).toBe(longest);
    expect((await t.call("PATCH", `/api/v1/vehicles/${other}`, { routeId: tooLong }, op)).status).toBe(400);

    const put = (routeId: string) => t.call("PUT", `/api/v1/operators/${operator.id}/vehicles`, { vehicles: [{ externalId: "long-1", plate: "鲁A·RT067", kind: "bus", routeId }] }, op);
    const bulk = await put(longest);
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.json.vehicles[0].routeId).toBe(longest);
    expect((await put(tooLong)).status).toBe(400);

    const listed = await t.call("GET", `/api/v1/vehicles?routeId=${encodeURIComponent(longest)}`, undefined, op);
    expect(listed.json.vehicles.map((v: { plate: string }) => v.plate).sort()).toEqual(["鲁A·RT064", "鲁A·RT066", "鲁A·RT067"]);
  });

  it("refuses a plate already in service in the same fleet with 409 plate_taken, and lets another fleet use it", async () => {
    const a = await t.staff("operator", "Plate Co A");
    const b = await t.staff("operator", "Plate Co B");
    expect((await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·DUP01", kind: "bus" }, a)).status).toBe(201);
    const again = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·DUP01", kind: "taxi" }, a);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("plate_taken");
    expect(again.json.error.message).toContain("鲁A·DUP01");
    expect((await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·DUP01", kind: "bus" }, b)).status).toBe(201);
  });

  it("corrects a plate, kind and capacity, refusing a plate another vehicle of the fleet has", async () => {
    const op = await t.staff("operator", "Edit Co");
    const one = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·ED001", kind: "bus" }, op);
    await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·ED002", kind: "bus" }, op);
    const fixed = await t.call("PATCH", `/api/v1/vehicles/${one.json.id}`, { plate: "鲁A·ED003", kind: "coach", capacity: 45 }, op);
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({ plate: "鲁A·ED003", kind: "coach", capacity: 45 });
    expect((await t.call("GET", `/api/v1/vehicles/${one.json.id}`, undefined, op)).json).toMatchObject({ plate: "鲁A·ED003", kind: "coach", capacity: 45 });
    const clash = await t.call("PATCH", `/api/v1/vehicles/${one.json.id}`, { plate: "鲁A·ED002" }, op);
    expect(clash.status).toBe(409);
    expect(clash.json.error.code).toBe("plate_taken");
    // Its own plate again is no clash.
    expect((await t.call("PATCH", `/api/v1/vehicles/${one.json.id}`, { plate: "鲁A·ED003" }, op)).status).toBe(200);
  });

  it("retires a vehicle: its code answers 410 vehicle_retired, its agent cannot log in, lists hide it, its record stays and its plate is free again", async () => {
    const op = await t.staff("operator", "Retire Co");
    const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·RT001", kind: "bus" }, op);
    const retired = await t.call("POST", `/api/v1/vehicles/${v.json.id}/retire`, {}, op);
    expect(retired.status).toBe(200);
    expect(retired.json.retiredAt).toEqual(expect.any(String));

    const scan = await t.call("POST", "/api/v1/checkins", { code: v.json.code.id, phone: "13800000001" });
    expect(scan.status).toBe(410);
    expect(scan.json.error.code).toBe("vehicle_retired");
    const page = await t.call("GET", `/v/${v.json.code.id}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain("停止运营");
    expect(await createVehiclesRepository(t.deps).agentPasswordHash(v.json.id)).toBeNull();

    const listed = await t.call("GET", "/api/v1/vehicles", undefined, op);
    expect(listed.json.vehicles.map((x: { id: string }) => x.id)).not.toContain(v.json.id);
    const kept = await t.call("GET", `/api/v1/vehicles/${v.json.id}`, undefined, op);
    expect(kept.status).toBe(200);
    expect(kept.json.retiredAt).toBe(retired.json.retiredAt);
    expect((await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·RT001", kind: "bus" }, op)).status).toBe(201);
  });
});
