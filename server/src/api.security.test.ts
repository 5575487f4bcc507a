import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test/harness.ts";
import type { StaffRole } from "./context.ts";
import { trips } from "./db/schema/index.ts";
import { ERROR_CODES } from "./errors.ts";

/**
 * The auth suite, generated from the OpenAPI document (after unkey's
 * runCommonRouteTests): every operation without credentials, with each role
 * it does not allow, and with another fleet's ids. Every operation must be in
 * ACCESS: a new route fails here until someone decides who may call it, and
 * one that forgets its guard fails the no-credentials check.
 */
const STAFF: StaffRole[] = ["admin", "operator", "tracer"];
/** Every role the 403 check tries; `authority` (issue 16) reviews applications and, beyond its own account, may use nothing else. */
const ROLES: StaffRole[] = [...STAFF, "authority"];
const ACCESS: Record<string, StaffRole[] | "public"> = {
  // Public by design: sign-in, passenger check-in (the device cookie or fleet staff may alight), proving a phone, passes, feeds.
  postAuthLogin: "public",
  postCheckins: "public",
  postCheckinsByIdAlight: "public",
  postPasses: "public",
  postOtp: "public",
  postOtpVerify: "public",
  getPassesPublicKey: "public",
  getGtfsRtVehiclePositions: "public",

  postAuthLogout: ROLES,
  postAuthPassword: ROLES,
  getAuthMe: ROLES,
  postUsers: ["admin"],
  getUsers: ["admin"],
  postUsersByIdDisable: ["admin"],
  postUsersByIdEnable: ["admin"],
  putUsersByIdPassword: ["admin"],
  setUserRole: ["admin"],
  postVehicles: ["admin", "operator"],
  getVehicles: STAFF,
  getVehiclesById: STAFF,
  postVehiclesByIdAgentReset: ["admin", "operator"],
  getVehiclesByIdCodeSvg: ["admin", "operator"],
  getVehiclesByIdCodePng: ["admin", "operator"],
  getVehiclesByIdPoster: ["admin", "operator"],
  postVehiclesByIdCodeRotate: ["admin", "operator"],
  updateVehicle: ["admin", "operator"],
  postVehiclesByIdRetire: ["admin", "operator"],
  listRoutes: STAFF,
  getRoute: STAFF,
  getLive: STAFF,
  postTraces: ["admin", "tracer"],
  getTracesByFile: ["admin", "tracer"],
  postTracesByIdMark: ["admin", "tracer"],
  postPersonsByIdStatus: ["admin", "tracer"],
  revertPersonStatus: ["admin", "tracer"],
  getPerson: ["admin", "tracer"],
  erasePerson: ["admin"],
  listTraces: ["admin", "tracer"],
  listAudit: ["admin"],
  getTrips: STAFF,
  getTripsById: STAFF,
  getVehiclesByIdTrack: STAFF,
  getFlow: STAFF,
  getFlowOccupancy: STAFF,
  // Issue 16: operators and their fleet systems. The fleet routes also take the operator's own API key (checked below).
  listOperators: ["admin", "operator"],
  createApiKey: ["admin", "operator"],
  listApiKeys: ["admin", "operator"],
  revokeApiKey: ["admin", "operator"],
  putFleetVehicles: ["admin", "operator"],
  listFleetVehicles: ["admin", "operator"],
  getFleetVehiclePoster: ["admin", "operator"],
  getFleetVehicleCodeSvg: ["admin", "operator"],
  issueFleetVehicleAgent: ["admin", "operator"],
  transferFleetVehicle: ["admin", "operator"],
  createDriver: ["admin", "operator"],
  listDrivers: ["admin", "operator"],
  setDriverVehicles: ["admin", "operator"],
  // Anyone with a verified phone applies; operator staff review their fleet's applications, the authority the independents'.
  submitApplication: "public",
  listApplications: ["admin", "operator", "authority"],
  approveApplication: ["admin", "operator", "authority"],
  rejectApplication: ["admin", "operator", "authority"],
};


interface Operation {
  method: string;
  path: string;
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

let t: TestApp;
let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, any> } }; // eslint-disable-line @typescript-eslint/no-explicit-any
let operations: Operation[];
const who: Partial<Record<StaffRole | "otherOperator", { authorization: string }>> = {};
/** Fleet A's things, which the operator of fleet B must never see or change. */
const fleetA = { vehicleId: "", plate: "", tripId: randomUUID(), checkinId: "", personId: "", operatorId: "" };
/** Fleet B's API key, which must open nothing of fleet A's. */
let fleetBKey = "";

beforeAll(async () => {
  t = await createTestApp();
  doc = (await t.call("GET", "/api/v1/openapi.json")).json;
  operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })));
  who.admin = await t.staff("admin");
  who.tracer = await t.staff("tracer");
  who.authority = await t.staff("authority");
  who.operator = await t.staff("operator", "Fleet A Bus Co");
  who.otherOperator = await t.staff("operator", "Fleet B Taxi Co");
  const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·FLTA1", kind: "bus", operator: "Fleet A Bus Co" }, who.admin);
  Object.assign(fleetA, { vehicleId: v.json.id, plate: v.json.plate, operatorId: (await t.auth.operatorByName("Fleet A Bus Co")).id });
  const fleetB = await t.auth.operatorByName("Fleet B Taxi Co");
  fleetBKey = (await t.call("POST", `/api/v1/operators/${fleetB.id}/api-keys`, { name: "fleet B sync" }, who.admin)).json.key;
  const now = t.clock.now();
  await t.deps.db.insert(trips).values({ id: fleetA.tripId, vehicleId: fleetA.vehicleId, startedAt: new Date(now.getTime() - 600_000) });
  const device = await t.verifyPhone("13800001111");
  const checkin = await t.call("POST", "/api/v1/checkins", { code: v.json.code.id }, { cookie: device.cookie });
  Object.assign(fleetA, { checkinId: checkin.json.checkinId, personId: checkin.json.personId });
});
afterAll(() => t.close());

/** The operation's path with fleet A's ids in it (so a role or fleet check, not a missing row, must refuse it). */
function concrete(op: Operation): string {
  const path = op.path
    .replace(/^\/vehicles\/\{id\}/, `/vehicles/${fleetA.vehicleId}`)
    .replace(/^\/trips\/\{id\}/, `/trips/${fleetA.tripId}`)
    .replace(/^\/checkins\/\{id\}/, `/checkins/${fleetA.checkinId}`)
    .replace(/^\/persons\/\{id\}/, `/persons/${fleetA.personId}`)
    .replace(/^\/operators\/\{id\}\/vehicles\/\{vehicleId\}/, `/operators/${fleetA.operatorId}/vehicles/${fleetA.vehicleId}`)
    .replace(/^\/operators\/\{id\}/, `/operators/${fleetA.operatorId}`)
    .replace(/\{\w+\}/g, randomUUID());
  const from = new Date(t.clock.now().getTime() - 3_600_000).toISOString();
  return `/api/v1${path}?vehicleId=${fleetA.vehicleId}&from=${from}&to=${t.clock.now().toISOString()}`;
}

const isStream = (op: Operation) => Object.values(op.responses).some((r) => r.content?.["text/event-stream"]);

async function send(op: Operation, headers: Record<string, string> = {}) {
  if (!isStream(op)) return t.call(op.method, concrete(op), ["GET", "HEAD"].includes(op.method) ? undefined : {}, headers);
  // An event stream never ends: read its first event (the snapshot), then hang up.
  const abort = new AbortController();
  const res = await t.app.request(concrete(op), { headers, signal: abort.signal });
  const reader = res.body!.getReader();
  const first = await reader.read();
  abort.abort();
  await reader.cancel().catch(() => {});
  const text = new TextDecoder().decode(first.value ?? new Uint8Array());
  let json: any = undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

function expectErrorBody(res: Awaited<ReturnType<TestApp["call"]>>, label: string) {
  expect(ERROR_CODES, label).toContain(res.json?.error?.code);
  expect(res.json.error.requestId, label).toBe(res.headers.get("x-request-id"));
}

describe("the API's auth, generated from its OpenAPI document", () => {
  it("lists every operation in the access table, each with a unique operationId", () => {
    const ids = operations.map((op) => op.operationId);
    expect(ids.every(Boolean)).toBe(true);
    // camelCase, so client generators (openapi-generator, orval, openapi-typescript) make method names from them as they are.
    expect(ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !(id in ACCESS))).toEqual([]);
    expect(Object.keys(ACCESS).filter((id) => !ids.includes(id))).toEqual([]);
  });

  it("publishes the closed list of error codes as an enum, and every error response uses that schema", () => {
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        expect(response.content?.["application/json"]?.schema?.$ref, `${op.operationId} ${status}`).toBe("#/components/schemas/Error");
      }
    }
  });

  it("answers 401 with a listed code to every staff operation called without credentials", async () => {
    for (const op of operations.filter((o) => ACCESS[o.operationId] !== "public")) {
      const res = await send(op);
      expect(res.status, `${op.method} ${op.path}`).toBe(401);
      expectErrorBody(res, op.operationId);
    }
  });

  it("answers 403 to every role an operation does not allow", async () => {
    for (const op of operations) {
      const allowed = ACCESS[op.operationId];
      if (allowed === "public" || !allowed) continue;
      for (const role of ROLES.filter((r) => !allowed.includes(r))) {
        const res = await send(op, who[role]);
        expect(res.status, `${role} ${op.method} ${op.path}`).toBe(403);
        expectErrorBody(res, op.operationId);
      }
    }
  });

  it("never shows or changes fleet A's things for fleet B's operator", async () => {
    for (const op of operations) {
      const allowed = ACCESS[op.operationId];
      const operatorMay = allowed === "public" ? op.path.includes("{id}") : allowed?.includes("operator");
      if (!operatorMay || op.operationId === "postAuthLogout" || op.operationId === "postAuthPassword") continue;
      const res = await send(op, who.otherOperator);
      const label = `${op.method} ${op.path}`;
      if (op.path.includes("{id}")) {
        expect([403, 404], label).toContain(res.status);
        expectErrorBody(res, op.operationId);
      } else {
        expect(res.status, label).toBeLessThan(500);
        expect(res.text, label).not.toContain(fleetA.vehicleId);
        expect(res.text, label).not.toContain(fleetA.plate);
      }
    }
    // Fleet B's API key opens nothing under fleet A's operator id.
    for (const op of operations.filter((o) => o.path.startsWith("/operators/{id}"))) {
      const res = await send(op, { authorization: `Bearer ${fleetBKey}` });
      expect(res.status, `fleet B's key: ${op.method} ${op.path}`).toBe(403);
      expectErrorBody(res, op.operationId);
    }
    // Fleet A's code still answers: nothing above rotated it or reset its agent.
    expect((await t.call("GET", `/api/v1/vehicles/${fleetA.vehicleId}`, undefined, who.operator)).status).toBe(200);
  });
});
