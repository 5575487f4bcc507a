import { generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkinMessage,
  fixesOf,
  parseVehicleTopic,
  positionMessage,
  sharedTopic,
  signLiveCode,
  signPass,
  tripMessage,
  vehicleTopic,
  verifyLiveCode,
  verifyPass,
} from "./index.ts";

const vehicleId = "0193a1b2-0000-7000-8000-00000000abcd";

describe("topics", () => {
  it("builds and parses vehicle topics, with and without a prefix", () => {
    expect(vehicleTopic("", vehicleId, "position")).toBe(`transit/v1/vehicles/${vehicleId}/position`);
    expect(vehicleTopic("city1", vehicleId, "ack")).toBe(`city1/transit/v1/vehicles/${vehicleId}/ack`);
    expect(parseVehicleTopic("city1/", `city1/transit/v1/vehicles/${vehicleId}/trip`)).toEqual({ vehicleId, channel: "trip" });
    expect(parseVehicleTopic("", `transit/v1/vehicles/${vehicleId}/trip/extra`)).toBeNull();
    expect(parseVehicleTopic("", `transit/v1/vehicles/${vehicleId}/secrets`)).toBeNull();
    expect(parseVehicleTopic("", "transit/v1/vehicles//trip")).toBeNull();
    expect(parseVehicleTopic("city1", `transit/v1/vehicles/${vehicleId}/trip`)).toBeNull();
  });

  it("names the shared subscription that splits ingest among servers", () => {
    expect(sharedTopic("", "position")).toBe("$share/ingest/transit/v1/vehicles/+/position");
  });
});

describe("message schemas", () => {
  it("accept the DESIGN examples, single fixes and batches alike", () => {
    const one = positionMessage.parse({ ts: 1732780800000, lat: 36.6512, lon: 117.1201, speed: 8.3, heading: 270, accuracy: 5 });
    expect(fixesOf(one)).toHaveLength(1);
    const batch = positionMessage.parse({ points: [{ ts: 1732780800000, lat: 1, lon: 2 }, { ts: 1732780801000, lat: 1, lon: 2 }], seq: 7 });
    expect(fixesOf(batch)).toHaveLength(2);
    expect(tripMessage.parse({ event: "start", tripId: vehicleId, ts: 1732780800000, routeId: "K51" }).event).toBe("start");
  });

  it.each([
    ["seconds instead of milliseconds", { ts: 1732780800, lat: 1, lon: 2 }],
    ["latitude out of range", { ts: 1732780800000, lat: 91, lon: 2 }],
    ["a string for a number", { ts: 1732780800000, lat: "36.6", lon: 2 }],
    ["an empty batch", { points: [] }],
    ["a batch over 500 points", { points: Array.from({ length: 501 }, (_, i) => ({ ts: 1732780800000 + i, lat: 1, lon: 2 })) }],
  ])("refuse a position with %s", (_why, payload) => {
    expect(positionMessage.safeParse(payload).success).toBe(false);
  });

  it("refuse a check-in without a UUID id", () => {
    expect(checkinMessage.safeParse({ checkinId: "42", ts: 1732780800000, pass: "P1.xxxxxxxx.yyyy" }).success).toBe(false);
  });
});

describe("personal passes", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");

  it("verify offline with the public key and carry no phone or name", () => {
    const pass = signPass(privateKey, { personId: vehicleId, issuedAt: 1_764_000_000 });
    expect(verifyPass(publicKey, pass)).toEqual({ personId: vehicleId, issuedAt: 1_764_000_000 });
    expect(Buffer.from(pass.split(".")[1]!, "base64url").toString()).toBe(`{"p":"${vehicleId}","i":1764000000}`);
  });

  it("refuse a forged, altered or foreign-key pass", () => {
    const pass = signPass(privateKey, { personId: vehicleId, issuedAt: 1 });
    const other = generateKeyPairSync("ed25519");
    const [, payload, sig] = pass.split(".");
    const altered = `P1.${Buffer.from(JSON.stringify({ p: "someone-else", i: 1 })).toString("base64url")}.${sig}`;
    expect(verifyPass(publicKey, altered)).toBeNull();
    expect(verifyPass(other.publicKey, pass)).toBeNull();
    expect(verifyPass(publicKey, `P1.${payload}`)).toBeNull();
    expect(verifyPass(publicKey, "hello")).toBeNull();
  });
});

describe("live codes", () => {
  const key = randomBytes(32);
  const now = new Date("2026-11-28T08:00:00Z");

  it("are valid for their vehicle until they expire", () => {
    const token = signLiveCode(key, vehicleId, new Date(now.getTime() + 60_000));
    expect(verifyLiveCode(key, token, now)).toMatchObject({ ok: true, vehicleId });
    expect(verifyLiveCode(key, token, new Date(now.getTime() + 60_000))).toEqual({ ok: false, reason: "expired" });
  });

  it("cannot be re-pointed at another vehicle or extended", () => {
    const token = signLiveCode(key, vehicleId, new Date(now.getTime() + 60_000));
    const [, , exp, mac] = token.split(".");
    expect(verifyLiveCode(key, `L1.other-vehicle.${exp}.${mac}`, now)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyLiveCode(key, `L1.${vehicleId}.${Number(exp) + 3600}.${mac}`, now)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyLiveCode(key, "L1.garbage", now)).toEqual({ ok: false, reason: "malformed" });
  });
});
