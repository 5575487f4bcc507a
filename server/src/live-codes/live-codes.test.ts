import { randomUUID } from "node:crypto";
import type { MqttClient } from "mqtt";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayMessage, signPass, verifyLiveCode, type DisplayMessage } from "../../../protocol/index.ts";
import { startTestSystem, until, type TestSystem } from "../../test/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys.close());

async function displays(client: MqttClient, vehicleId: string) {
  const seen: DisplayMessage[] = [];
  client.on("message", (topic, payload) => {
    if (topic === sys.topic(vehicleId, "display")) seen.push(displayMessage.parse(JSON.parse(payload.toString())));
  });
  await client.subscribeAsync(sys.topic(vehicleId, "display"), { qos: 1 });
  return seen;
}


const tokenOf = (url: string) => url.slice(url.lastIndexOf("/v/") + 3);

describe("live codes on the driver's screen", () => {
  it("publishes a signed live code to a vehicle as soon as it comes online, and keeps it retained", async () => {
    const v = await sys.registerVehicle();
    const client = await sys.connect(v);
    const seen = await displays(client, v.id);
    await client.publishAsync(sys.topic(v.id, "status"), JSON.stringify({ online: true }), { qos: 1 });
    await until(() => seen.length > 0, "a live code");

    const code = seen[0]!;
    expect(code.url.startsWith("http://transit.test/v/L1.")).toBe(true);
    const now = sys.t.clock.now();
    const check = verifyLiveCode(sys.t.deps.keys.liveCode, tokenOf(code.url), now);
    expect(check).toEqual({ ok: true, vehicleId: v.id, expiresAt: new Date(code.expiresAt) });
    expect(code.expiresAt - now.getTime()).toBeGreaterThan(55_000);
    expect(code.expiresAt - now.getTime()).toBeLessThanOrEqual(60_000);

    // A screen that reconnects gets the current code at once (retained).
    const again = await sys.connect(v);
    const retained = await displays(again, v.id);
    await until(() => retained.length > 0, "the retained live code");
    expect(retained[0]!.url).toBe(code.url);
  });

  it("replaces the code before it expires, and a photo of the old one stops working", async () => {
    const v = await sys.registerVehicle();
    const client = await sys.connect(v);
    const seen = await displays(client, v.id);
    await client.publishAsync(sys.topic(v.id, "status"), JSON.stringify({ online: true }), { qos: 1 });
    await until(() => seen.length > 0, "a live code");
    const first = seen.at(-1)!;

    sys.t.clock.advance(31_000); // the job's period is TTL/2
    await sys.messaging.liveCodes.publishAll();
    await until(() => seen.at(-1)!.url !== first.url, "a fresh live code");
    const fresh = seen.at(-1)!;
    expect(fresh.expiresAt).toBeGreaterThan(first.expiresAt);
    expect(fresh.expiresAt - sys.t.clock.now().getTime()).toBeGreaterThan(55_000);

    sys.t.clock.advance(30_000);
    const now = sys.t.clock.now();
    expect(verifyLiveCode(sys.t.deps.keys.liveCode, tokenOf(first.url), now)).toEqual({ ok: false, reason: "expired" });
    expect(verifyLiveCode(sys.t.deps.keys.liveCode, tokenOf(fresh.url), now).ok).toBe(true);
  });

  it("tells the driver's screen how many are on board: at once on a scan, a pass, getting off and a trip's end", async () => {
    const v = await sys.registerVehicle();
    const client = await sys.connect(v);
    const seen = await displays(client, v.id);
    const latest = () => seen.at(-1);
    const onBoard = (n: number, what: string) => until(() => latest()?.onBoard === n, what);
    await client.publishAsync(sys.topic(v.id, "status"), JSON.stringify({ online: true }), { qos: 1 });
    await onBoard(0, "an empty vehicle's code");
    expect(latest()!.onBoardAt).toBeGreaterThan(0);

    // A phone scan with a companion: two on board.
    const device = await sys.t.verifyPhone("13911112001");
    const scan = await sys.t.call("POST", "/api/v1/checkins", { code: v.code.id, companions: [{ name: "孩子" }] }, { cookie: device.cookie });
    expect(scan.status).toBe(201);
    await onBoard(2, "the passenger and the companion");

    // A pass read by the onboard scanner, through MQTT and ingest: three.
    const personId = (await sys.t.call("POST", "/api/v1/passes", { phone: "13911112002", name: "李" }, await sys.t.staff("admin"))).json.personId as string;
    const pass = signPass(sys.t.deps.keys.passSigning, { personId, issuedAt: Math.floor(Date.now() / 1000) });
    const trip = randomUUID();
    const now = () => sys.t.clock.now().getTime();
    await client.publishAsync(sys.topic(v.id, "trip"), JSON.stringify({ event: "start", tripId: trip, ts: now() - 1_000 }), { qos: 1 });
    await client.publishAsync(sys.topic(v.id, "checkin"), JSON.stringify({ checkinId: uuidv7(), ts: now(), pass }), { qos: 1 });
    await onBoard(3, "the pass passenger as well");

    // Getting off takes the passenger and the companion off.
    const off = await sys.t.call("POST", `/api/v1/checkins/${scan.json.checkinId}/alight`, undefined, { cookie: device.cookie });
    expect(off.status).toBe(200);
    await onBoard(1, "the two who got off gone");

    // The trip's end ends its riders' rides (DESIGN §7).
    await client.publishAsync(sys.topic(v.id, "trip"), JSON.stringify({ event: "end", tripId: trip, ts: now() }), { qos: 1 });
    await onBoard(0, "nobody after the trip's end");
    // Every code still verifies: the count never cost the screen its live code.
    for (const d of seen) expect(verifyLiveCode(sys.t.deps.keys.liveCode, tokenOf(d.url), new Date(d.expiresAt - 1_000)).ok).toBe(true);
  });

  it("tells an offline vehicle nothing when someone boards it", async () => {
    const v = await sys.registerVehicle();
    const client = await sys.connect(v);
    const seen = await displays(client, v.id);
    const device = await sys.t.verifyPhone("13911112003");
    expect((await sys.t.call("POST", "/api/v1/checkins", { code: v.code.id }, { cookie: device.cookie })).status).toBe(201);
    await sys.messaging.liveCodes.settled();
    // A vehicle that did come online meanwhile gets its count: the one above did not.
    const other = await sys.registerVehicle();
    const otherClient = await sys.connect(other);
    const otherSeen = await displays(otherClient, other.id);
    await otherClient.publishAsync(sys.topic(other.id, "status"), JSON.stringify({ online: true }), { qos: 1 });
    await until(() => otherSeen.length > 0, "the online vehicle's code");
    expect(seen).toEqual([]);
  });

  it("sends no code to a vehicle that is offline", async () => {
    const v = await sys.registerVehicle();
    const online = await sys.connect(v);
    const seen = await displays(online, v.id);
    await online.publishAsync(sys.topic(v.id, "status"), JSON.stringify({ online: false }), { qos: 1 });
    await sys.drain();
    await sys.messaging.liveCodes.publishAll();
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
  });
});
