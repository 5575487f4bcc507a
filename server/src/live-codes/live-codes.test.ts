import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayMessage, verifyLiveCode, type DisplayMessage } from "../../../protocol/index.ts";
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
