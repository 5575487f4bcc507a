import { randomBytes, randomUUID } from "node:crypto";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signPass, type AckMessage, type AlertMessage } from "../../../protocol/index.ts";
import { createIngestRepository } from "./ingest.repository.ts";
import { rowsOf } from "../db/client.ts";
import { persons } from "../db/schema/index.ts";
import { startTestSystem, until, type RegisteredVehicle, type TestSystem } from "../../test/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys.close());

/** Collects what the server publishes to one vehicle (ack, alerts). */
async function listen(client: MqttClient, vehicleId: string) {
  const acks: AckMessage[] = [];
  const alerts: AlertMessage[] = [];
  client.on("message", (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic === sys.topic(vehicleId, "ack")) acks.push(body);
    if (topic === sys.topic(vehicleId, "alerts")) alerts.push(body);
  });
  await client.subscribeAsync([sys.topic(vehicleId, "ack"), sys.topic(vehicleId, "alerts")], { qos: 1 });
  const ackedSeqs = () => acks.flatMap((a) => a.seqs);
  return { acks, alerts, ackedSeqs };
}


const count = async (table: string, where: string, ...params: unknown[]) => {
  const raw = sys.t.database.postgres
    ? await sys.t.database.postgres.unsafe(`select count(*)::int as n from ${table} where ${where}`, params as never[])
    : (await sys.t.database.pglite!.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params)).rows;
  return Number(rowsOf<{ n: number }>(raw)[0]!.n);
};

async function vehicleWithClient(): Promise<{ v: RegisteredVehicle; client: MqttClient; inbox: Awaited<ReturnType<typeof listen>> }> {
  const v = await sys.registerVehicle();
  const client = await sys.connect(v);
  const inbox = await listen(client, v.id);
  return { v, client, inbox };
}

const publish = (client: MqttClient, topic: string, body: unknown) =>
  client.publishAsync(topic, typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body), { qos: 1 });

async function addPerson(status: "clear" | "case" | "close_contact" = "clear") {
  const id = randomUUID();
  await sys.t.deps.db.insert(persons).values({ id, phoneHash: randomBytes(16).toString("hex"), phoneEnc: "x", status });
  return id;
}

describe("MQTT ingest", () => {
  it("stores every fix once, whatever the duplication and order of delivery, and acks each message after the commit", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const t0 = sys.t.clock.now().getTime() - 60_000;
    const fix = (i: number) => ({ ts: t0 + i * 1000, lat: 36.65 + i * 0.0001, lon: 117.12, speed: 8, accuracy: 5 });
    const messages = [
      { seq: 1, ...fix(0) },
      { seq: 2, points: [fix(1), fix(2), fix(3)] },
      { seq: 3, ...fix(4) },
    ];
    // Out of order, and everything twice (a redelivery after a lost ack).
    for (const m of [messages[2], messages[0], messages[1], messages[0], messages[2], messages[1]]) await publish(client, sys.topic(v.id, "position"), m);
    await until(() => [1, 2, 3].every((s) => inbox.ackedSeqs().includes(s)), "acks of seqs 1-3");
    expect(await count("positions", "vehicle_id = $1", v.id)).toBe(5);
    expect(await count("positions", "vehicle_id = $1 and flag is null", v.id)).toBe(5);
    // The live state follows within a second (vehicle-state.writer.ts), and holds the newest fix whatever the order.
    const lastTs = async () => {
      const [state] = rowsOf<{ last_ts: Date }>(await sys.t.deps.db.execute(`select last_ts from vehicle_state where vehicle_id = '${v.id}'`));
      return state ? new Date(state.last_ts).getTime() : null;
    };
    await until(async () => (await lastTs()) === t0 + 4000, "vehicle_state at the newest fix");
  });

  it("stores a trip once from duplicated and reordered events, even when its end arrives before its start", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const tripId = randomUUID();
    const start = { event: "start", tripId, ts: Date.parse("2026-11-28T07:00:00Z"), routeId: "K51", driverId: "D-7", seq: 10 };
    const end = { event: "end", tripId, ts: Date.parse("2026-11-28T07:40:00Z"), seq: 11 };
    await publish(client, sys.topic(v.id, "trip"), end);
    await until(() => inbox.ackedSeqs().includes(11), "ack of the end");
    await publish(client, sys.topic(v.id, "trip"), start);
    await publish(client, sys.topic(v.id, "trip"), end);
    await publish(client, sys.topic(v.id, "trip"), start);
    await until(() => inbox.ackedSeqs().filter((s) => s === 10).length === 2, "acks of both starts");
    const trips = rowsOf<{ started_at: Date; ended_at: Date; route_id: string; driver_id: string }>(
      await sys.t.deps.db.execute(`select * from trips where vehicle_id = '${v.id}'`),
    );
    expect(trips).toHaveLength(1);
    expect(new Date(trips[0]!.started_at).toISOString()).toBe("2026-11-28T07:00:00.000Z");
    expect(new Date(trips[0]!.ended_at).toISOString()).toBe("2026-11-28T07:40:00.000Z");
    expect(trips[0]).toMatchObject({ route_id: "K51", driver_id: "D-7" });
    expect(await count("vehicle_state", "vehicle_id = $1 and open_trip_id is not null", v.id)).toBe(0);
  });

  it("keeps the trip that is open as the vehicle's open trip", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const tripId = randomUUID();
    await publish(client, sys.topic(v.id, "trip"), { event: "start", tripId, ts: Date.now() - 1000, seq: 1 });
    await until(() => inbox.ackedSeqs().includes(1), "ack");
    expect(await count("vehicle_state", "vehicle_id = $1 and open_trip_id = $2", v.id, tripId)).toBe(1);
  });

  it("stores an onboard pass check-in once, refuses a forged pass or an unknown passenger in the ack, and alerts the vehicle about a flagged passenger", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const personId = await addPerson("case");
    const pass = signPass(sys.t.deps.keys.passSigning, { personId, issuedAt: 1_780_000_000 });
    const checkinId = randomUUID();
    // A scan minutes ago by the server's clock: pass check-ins outside [now − retention, now + 5 min] are refused.
    const msg = { checkinId, ts: sys.t.clock.now().getTime() - 5 * 60_000, pass, seq: 21 };
    await publish(client, sys.topic(v.id, "checkin"), msg);
    await publish(client, sys.topic(v.id, "checkin"), msg);
    const forged = pass.slice(0, -4) + (pass.endsWith("AAAA") ? "BBBB" : "AAAA");
    await publish(client, sys.topic(v.id, "checkin"), { checkinId: randomUUID(), ts: msg.ts, pass: forged, seq: 22 });
    const stranger = signPass(sys.t.deps.keys.passSigning, { personId: randomUUID(), issuedAt: 1_780_000_000 });
    await publish(client, sys.topic(v.id, "checkin"), { checkinId: randomUUID(), ts: msg.ts, pass: stranger, seq: 23 });
    await until(() => inbox.ackedSeqs().filter((s) => s === 21).length === 2 && [22, 23].every((s) => inbox.ackedSeqs().includes(s)), "acks");
    expect(inbox.acks.find((a) => a.seqs.includes(23))?.rejected?.[0]?.code).toBe("unknown_person");
    expect(await count("checkins", "id = $1 and source = 'pass' and person_id = $2", checkinId, personId)).toBe(1);
    expect(await count("checkins", "vehicle_id = $1", v.id)).toBe(1);
    const refusal = inbox.acks.find((a) => a.seqs.includes(22));
    expect(refusal?.rejected).toEqual([{ seq: 22, code: "bad_pass", message: expect.any(String) }]);
    await until(() => inbox.alerts.length > 0, "an alert");
    expect(inbox.alerts).toEqual([{ kind: "flagged_passenger", status: "case", checkinId, ts: msg.ts }]);
  });

  it("refuses in the ack a pass check-in stamped more than 5 minutes ahead of the server or older than retention, and stores neither", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const personId = await addPerson();
    const pass = signPass(sys.t.deps.keys.passSigning, { personId, issuedAt: 1_780_000_000 });
    const now = sys.t.clock.now().getTime();
    const day = 86_400_000;
    const scans = [
      { seq: 40, ts: now + 2 * 3_600_000 }, // the audit's now + 2 h
      { seq: 41, ts: Date.parse("2099-06-01T08:00:00Z") },
      { seq: 42, ts: Date.parse("2001-06-01T08:00:00Z") },
      { seq: 43, ts: now - (sys.t.deps.config.retentionDays + 1) * day },
      { seq: 44, ts: now - 60_000 }, // a real scan a minute ago
    ];
    for (const s of scans) await publish(client, sys.topic(v.id, "checkin"), { checkinId: randomUUID(), pass, ...s });
    await until(() => scans.every((s) => inbox.ackedSeqs().includes(s.seq)), "acks of every scan");
    const codeOf = (seq: number) => inbox.acks.find((a) => a.seqs.includes(seq))?.rejected?.find((r) => r.seq === seq)?.code;
    expect(scans.map((s) => codeOf(s.seq))).toEqual(["future_ts", "future_ts", "too_old", "too_old", undefined]);
    expect(await count("checkins", "vehicle_id = $1", v.id)).toBe(1);
  });

  it("refuses a control character in a trip or a pass check-in in the ack, so the agent stops resending it", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const personId = await addPerson();
    const pass = signPass(sys.t.deps.keys.passSigning, { personId, issuedAt: 1_780_000_000 });
    const ts = sys.t.clock.now().getTime() - 60_000;
    await publish(client, sys.topic(v.id, "trip"), { event: "start", tripId: randomUUID(), ts, routeId: "K\u000051", seq: 50 });
    await publish(client, sys.topic(v.id, "checkin"), { checkinId: randomUUID(), ts, pass, seat: "1\u00002", seq: 51 });
    await publish(client, sys.topic(v.id, "trip"), { event: "start", tripId: randomUUID(), ts, driverId: "D\ud800", seq: 52 });
    await until(() => [50, 51, 52].every((s) => inbox.ackedSeqs().includes(s)), "acks");
    for (const seq of [50, 51, 52]) expect(inbox.acks.find((a) => a.seqs.includes(seq))?.rejected?.[0]?.code).toBe("schema");
    expect(await count("trips", "vehicle_id = $1", v.id)).toBe(0);
    expect(await count("checkins", "vehicle_id = $1", v.id)).toBe(0);
  });

  it("acks as rejected, counts and keeps going past a message the database refuses for good", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    // A value the schema lets through but the database never will: a permanent refusal (SQLSTATE 23514), not an outage.
    await sys.t.deps.db.execute(`alter table trips add constraint test_refused_route check (route_id is distinct from 'REFUSED')`);
    try {
      const ts = sys.t.clock.now().getTime() - 60_000;
      await publish(client, sys.topic(v.id, "trip"), { event: "start", tripId: randomUUID(), ts, routeId: "REFUSED", seq: 60 });
      await publish(client, sys.topic(v.id, "trip"), { event: "start", tripId: randomUUID(), ts: ts + 1000, routeId: "K51", seq: 61 });
      await until(() => [60, 61].every((s) => inbox.ackedSeqs().includes(s)), "acks of both trips");
    } finally {
      await sys.t.deps.db.execute(`alter table trips drop constraint test_refused_route`);
    }
    expect(inbox.acks.find((a) => a.seqs.includes(60))?.rejected).toEqual([{ seq: 60, code: "db_refused", message: expect.stringContaining("23514") }]);
    expect(inbox.acks.find((a) => a.seqs.includes(61))?.rejected).toBeUndefined();
    const metrics = await (await sys.t.app.request("/metrics")).text();
    expect(metrics).toMatch(/mqtt_invalid_messages_total\{kind="trip",reason="db_refused"\} [1-9]/);
  });

  it("rejects a fix the database cannot hold without holding back the fixes batched with it", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const ts = sys.t.clock.now().getTime() - 30_000;
    // 1e-300 is a valid double but underflows the real column (SQLSTATE 22003): found by the fuzzer.
    await Promise.all([
      publish(client, sys.topic(v.id, "position"), { ts, lat: 36.6, lon: 117.1, seq: 70 }),
      publish(client, sys.topic(v.id, "position"), { ts: ts + 1000, lat: 36.6, lon: 117.1, speed: 1e-300, seq: 71 }),
      publish(client, sys.topic(v.id, "position"), { ts: ts + 2000, lat: 36.6, lon: 117.1, seq: 72 }),
    ]);
    await until(() => [70, 71, 72].every((s) => inbox.ackedSeqs().includes(s)), "acks of all three");
    expect(inbox.acks.find((a) => a.seqs.includes(71))?.rejected?.[0]?.code).toBe("db_refused");
    expect(await count("positions", "vehicle_id = $1", v.id)).toBe(2);
  });

  it("counts and drops malformed, oversized and out-of-range messages, and keeps ingesting", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const topic = sys.topic(v.id, "position");
    await publish(client, topic, "{not json");
    await publish(client, topic, Buffer.alloc(200 * 1024, 32));
    await publish(client, topic, { ts: Date.now(), lat: 95, lon: 117, seq: 30 });
    await publish(client, topic, { ts: 1_732_780_800, lat: 36, lon: 117, seq: 31 }); // seconds, not ms
    await publish(client, sys.topic(v.id, "trip"), { event: "pause", tripId: randomUUID(), ts: Date.now() });
    await publish(client, topic, { ts: Date.now() - 5000, lat: 36.6, lon: 117.1, seq: 32 });
    await until(() => [30, 31, 32].every((s) => inbox.ackedSeqs().includes(s)), "acks");
    expect(await count("positions", "vehicle_id = $1", v.id)).toBe(1);
    expect(inbox.acks.find((a) => a.seqs.includes(30))?.rejected?.[0]?.code).toBe("schema");
    const metrics = await (await sys.t.app.request("/metrics")).text();
    for (const reason of ["malformed_json", "too_large", "schema"]) {
      expect(metrics).toMatch(new RegExp(`mqtt_invalid_messages_total\\{kind="(position|trip)",reason="${reason}"\\} [1-9]`));
    }
  });

  it("flags bad fixes (zero, inaccurate, jump, future) without changing their coordinates", async () => {
    const { v, client, inbox } = await vehicleWithClient();
    const now = sys.t.clock.now().getTime();
    const points = [
      { ts: now - 50_000, lat: 36.65, lon: 117.12, accuracy: 5 },
      { ts: now - 49_000, lat: 0, lon: 0 },
      { ts: now - 48_000, lat: 36.6501, lon: 117.12, accuracy: 350 },
      { ts: now - 47_000, lat: 39.9, lon: 116.4 }, // Beijing, one second later
      { ts: now - 46_000, lat: 36.6502, lon: 117.1201 },
      { ts: now + 3_600_000, lat: 36.6503, lon: 117.1202 },
    ];
    await publish(client, sys.topic(v.id, "position"), { points, seq: 40 });
    await until(() => inbox.ackedSeqs().includes(40), "ack");
    const rows = rowsOf<{ flag: string | null; lat: number }>(
      await sys.t.deps.db.execute(`select flag, lat from positions where vehicle_id = '${v.id}' order by ts`),
    );
    expect(rows.map((r) => r.flag)).toEqual([null, "zero", "inaccurate", "jump", null, "future"]);
    expect(rows.map((r) => r.lat)).toEqual(points.map((p) => p.lat));
  });

  it("marks a vehicle online from its status, and offline from its Last Will", async () => {
    const v = await sys.registerVehicle();
    const will = { topic: sys.topic(v.id, "status"), payload: Buffer.from(JSON.stringify({ online: false })), qos: 1 as const, retain: true };
    const client = await sys.connect(v, { will });
    await publish(client, sys.topic(v.id, "status"), { online: true, agentVersion: "1.2.3" });
    await until(async () => (await count("vehicle_state", "vehicle_id = $1 and online", v.id)) === 1, "online");
    // The gauge follows the stored presence a moment later: wait for it, as a scraper would see it.
    await until(async () => /vehicles_online [1-9]/.test(await (await sys.t.app.request("/metrics")).text()), "the online gauge");
    client.stream.destroy(); // the connection drops without a DISCONNECT: the broker sends the will
    await until(async () => (await count("vehicle_state", "vehicle_id = $1 and online = false", v.id)) === 1, "offline");
  });

  it("keeps the status received last when an offline and the reconnect's online are stored out of order", async () => {
    const v = await sys.registerVehicle();
    const repo = createIngestRepository(sys.t.deps);
    const t = Date.now();
    await repo.setPresence(v.id, true, "1.0.0", new Date(t + 1000)); // the reconnect's online, received second, stored first
    await repo.setPresence(v.id, false, undefined, new Date(t)); // the old connection's will, received first
    expect(await count("vehicle_state", "vehicle_id = $1 and online", v.id)).toBe(1);
  });

  // A real broker sends no will on a clean DISCONNECT, and the server cannot see its connections.
  it.skipIf(!!process.env.MQTT_URL)("marks a vehicle offline when its last connection closes cleanly without an offline status (embedded broker)", async () => {
    const v = await sys.registerVehicle();
    const first = await sys.connect(v);
    const second = await sys.connect(v); // e.g. the agent reconnecting before its old connection is gone
    await publish(first, sys.topic(v.id, "status"), { online: true });
    await until(async () => (await count("vehicle_state", "vehicle_id = $1 and online", v.id)) === 1, "online");
    await first.endAsync();
    await new Promise((r) => setTimeout(r, 300));
    expect(await count("vehicle_state", "vehicle_id = $1 and online", v.id)).toBe(1); // still connected once
    await second.endAsync();
    await until(async () => (await count("vehicle_state", "vehicle_id = $1 and online = false", v.id)) === 1, "offline");
  });
});
