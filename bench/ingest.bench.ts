/**
 * npm run bench:ingest — MQTT ingest against a real Mosquitto (our own, on a
 * free port, no queue limits) and a real PostgreSQL (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; a fresh database, dropped after).
 *
 *   (a) the broker's own QoS 1 rate for 150-byte messages (publisher → subscriber)
 *   (b) single-fix messages, MQTT → committed rows
 *   (c) batched fixes (500 per message), MQTT → committed rows
 *   (d) raw COPY of the same rows into positions (the database's ceiling)
 *   (e) fix-to-visible-row latency at 5,000 fixes/s offered (publish → ack, which
 *       the server sends only after the commit; an upper bound on visibility)
 *
 * Ratios b/a and c/d are printed so runs compare on a noisy shared machine.
 * The server's ingest runs in this process, sharing the CPU with the
 * publisher, as a small deployment would share a box.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import mqtt, { type MqttClient } from "mqtt";
import { v7 as uuidv7 } from "uuid";
import type { AckMessage } from "../protocol/index.ts";
import { vehicleTopic } from "../protocol/index.ts";
import { vehicles } from "../server/src/db/schema/index.ts";
import { startMessaging } from "../server/src/mqtt/messaging.ts";
import { createTestApp } from "../server/test/harness.ts";
import { startMosquitto } from "../server/test/mosquitto.ts";
import { runningClock } from "../server/test/system.ts";

process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
const N_BROKER = Number(process.env.BENCH_BROKER_MESSAGES ?? 50_000);
const N_SINGLE = Number(process.env.BENCH_SINGLE_FIXES ?? 40_000);
const N_BATCHED = Number(process.env.BENCH_BATCHED_FIXES ?? 200_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const LATENCY_RATE = 5_000;
const VEHICLES = 200;
const WINDOW = 2_000; // QoS 1 publishes in flight per publisher

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Publishes with up to WINDOW QoS 1 messages awaiting PUBACK. */
async function publishWindowed(client: MqttClient, count: number, next: (i: number) => [string, string], window = WINDOW) {
  let inFlight = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    let i = 0;
    const pump = () => {
      while (inFlight < window && i < count) {
        const [topic, payload] = next(i++);
        inFlight++;
        client.publish(topic, payload, { qos: 1 }, (err) => {
          if (err) return reject(err);
          inFlight--;
          if (++done === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

async function main() {
  const broker = await startMosquitto({ extraConfig: ["max_queued_messages 0", "max_inflight_messages 0", "max_queued_bytes 0"] });
  const t = await createTestApp({ clock: runningClock(), env: { MQTT_URL: broker.url, MQTT_TOPIC_PREFIX: "bench" } });
  const results: Record<string, number> = {};
  try {
    // (a) the broker alone
    {
      const sub = await mqtt.connectAsync(broker.url, { clientId: `bench-sub-${randomUUID()}` });
      const pub = await mqtt.connectAsync(broker.url, { clientId: `bench-pub-${randomUUID()}` });
      let received = 0;
      const all = new Promise<void>((resolve) => sub.on("message", () => ++received === N_BROKER && resolve()));
      await sub.subscribeAsync("rate/#", { qos: 1 });
      const payload = "x".repeat(150);
      const t0 = process.hrtime.bigint();
      await publishWindowed(pub, N_BROKER, (i) => [`rate/${i % VEHICLES}`, payload]);
      await all;
      results.a = N_BROKER / seconds(t0);
      await Promise.all([sub.endAsync(), pub.endAsync()]);
      console.log(`(a) broker QoS 1, 150-byte messages: ${fmt(results.a)} msg/s`);
    }

    const messaging = await startMessaging(t.deps, t.database);
    const ids = Array.from({ length: VEHICLES }, () => uuidv7());
    await t.deps.db.insert(vehicles).values(ids.map((id, i) => ({ id, plate: `B${i}`, kind: "bus" as const, agentPasswordHash: "-" })));
    const pub = await mqtt.connectAsync(broker.url, { clientId: `bench-agents-${randomUUID()}` });
    const committed = async () => (await t.deps.metrics.positionsWritten.get()).values[0]?.value ?? 0;
    const waitRows = async (target: number) => {
      const deadline = Date.now() + 60_000;
      while ((await committed()) < target) {
        if (Date.now() > deadline) {
          const m = await t.deps.metrics.registry.metrics();
          throw new Error(`only ${await committed()} of ${target} rows committed after 60 s\n${m.split("\n").filter((l) => /^mqtt_|^positions/.test(l)).join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    // Fixes 10 ms apart from three hours ago, so they land in day partitions and none is "future".
    let clockMs = Date.now() - 3 * 3_600_000;
    const fix = () => ({ ts: (clockMs += 10), lat: 30.2672 + Math.random() / 1e5, lon: -97.7431 + Math.random() / 1e5, speed: 8.3, heading: 270, accuracy: 5 });

    // (b) one fix per message
    {
      const base = await committed();
      const t0 = process.hrtime.bigint();
      await publishWindowed(pub, N_SINGLE, (i) => [vehicleTopic("bench", ids[i % VEHICLES]!, "position"), JSON.stringify({ ...fix(), seq: i })]);
      await waitRows(base + N_SINGLE);
      results.b = N_SINGLE / seconds(t0);
      console.log(`(b) single-fix messages → committed rows: ${fmt(results.b)} rows/s`);
    }

    // (c) batches of 500 fixes
    {
      const base = await committed();
      const t0 = process.hrtime.bigint();
      const messages = N_BATCHED / 500;
      // As agents do: at most `window` messages not yet acked by the server (a broker PUBACK
      // bounds nothing; the server sheds load past 100k buffered rows, unacked, for agents to resend).
      const window = 40;
      let acked = 0;
      let sent = 0;
      await pub.subscribeAsync("bench/transit/v1/vehicles/+/ack", { qos: 1 });
      await new Promise<void>((resolve) => {
        const send = () => {
          while (sent < messages && sent - acked < window) {
            const i = sent++;
            pub.publish(vehicleTopic("bench", ids[i % VEHICLES]!, "position"), JSON.stringify({ points: Array.from({ length: 500 }, fix), seq: 1_000_000 + i }), { qos: 1 });
          }
        };
        pub.on("message", (_t, payload) => {
          acked += (JSON.parse(payload.toString()) as AckMessage).seqs.filter((x) => x >= 1_000_000).length;
          if (acked >= messages) resolve();
          else send();
        });
        send();
      });
      await pub.unsubscribeAsync("bench/transit/v1/vehicles/+/ack");
      await waitRows(base + N_BATCHED);
      results.c = N_BATCHED / seconds(t0);
      console.log(`(c) batched fixes (500/message) → committed rows: ${fmt(results.c)} rows/s`);
    }

    // (d) raw COPY of as many rows, the database's own ceiling
    {
      const sql = t.database.postgres!;
      const lines: string[] = [];
      for (let i = 0; i < N_BATCHED; i++) {
        const f = fix();
        lines.push(`${ids[i % VEHICLES]}\t${new Date(f.ts).toISOString()}\t${f.lat}\t${f.lon}\t${f.speed}\t${f.heading}\t${f.accuracy}\t\\N\n`);
      }
      const t0 = process.hrtime.bigint();
      const stream = await sql`copy positions (vehicle_id, ts, lat, lon, speed, heading, accuracy, flag) from stdin`.writable();
      await pipeline(
        (async function* () {
          for (let i = 0; i < lines.length; i += 5_000) yield lines.slice(i, i + 5_000).join("");
        })(),
        stream as unknown as Writable,
      );
      results.d = N_BATCHED / seconds(t0);
      console.log(`(d) raw COPY of the same rows: ${fmt(results.d)} rows/s`);
    }

    // (e) latency at 5,000 fixes/s offered
    {
      const sent = new Map<number, number>();
      const latencies: number[] = [];
      const acks = await mqtt.connectAsync(broker.url, { clientId: `bench-acks-${randomUUID()}` });
      acks.on("message", (_topic, payload) => {
        const now = performance.now();
        for (const seq of (JSON.parse(payload.toString()) as AckMessage).seqs) {
          const at = sent.get(seq);
          if (at !== undefined) latencies.push(now - at);
        }
      });
      await acks.subscribeAsync("bench/transit/v1/vehicles/+/ack", { qos: 1 });
      const total = LATENCY_RATE * LATENCY_SECONDS;
      const seq0 = 10_000_000;
      const start = performance.now();
      let i = 0;
      while (i < total) {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * LATENCY_RATE));
        for (; i < due; i++) {
          sent.set(seq0 + i, performance.now());
          pub.publish(vehicleTopic("bench", ids[i % VEHICLES]!, "position"), JSON.stringify({ ...fix(), seq: seq0 + i }), { qos: 1 });
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const deadline = Date.now() + 30_000;
      while (latencies.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      latencies.sort((x, y) => x - y);
      const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
      results.p50 = q(0.5);
      results.p99 = q(0.99);
      console.log(
        `(e) fix → committed row (→ ack back) at ${fmt(LATENCY_RATE)} fixes/s offered for ${LATENCY_SECONDS} s: p50 ${results.p50.toFixed(0)} ms, p99 ${results.p99.toFixed(0)} ms (${fmt(latencies.length)}/${fmt(total)} acked)`,
      );
      await acks.endAsync();
    }
    await pub.endAsync();
    await messaging.close();

    console.log(`\nratios: b/a = ${(results.b! / results.a!).toFixed(2)} (target ≥ 0.90), c/d = ${(results.c! / results.d!).toFixed(2)} (target ≥ 0.50), p99 target < 250 ms`);
  } finally {
    await t.close();
    await broker.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
