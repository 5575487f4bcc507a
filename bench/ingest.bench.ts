/**
 * npm run bench:ingest — MQTT ingest against a real Mosquitto (our own, on a
 * free port, no queue limits) and a real PostgreSQL (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; a fresh database, dropped after).
 *
 *   (a) the broker's own QoS 1 rate for 150-byte messages (publisher → subscriber)
 *   (b) single-fix messages, MQTT → committed rows
 *   (c) batched fixes (500 per message), MQTT → committed rows
 *   (d) raw COPY of the same rows into positions (the database's ceiling)
 *   (e) at 5,000 fixes/s offered: fix-to-visible-row latency (the row's
 *       received_at minus the fix's ts, which is its send time), and publish → ack
 *       back at the agent (the ack is sent only after the commit)
 *
 * Ratios b/a and c/d are printed so runs compare on a noisy shared machine.
 * The server's ingest runs in this process; the publishing fleet runs in a
 * worker thread (bench/ingest-load.worker.ts), and Mosquitto and PostgreSQL on
 * the same machine.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Worker } from "node:worker_threads";
import mqtt from "mqtt";
import { v7 as uuidv7 } from "uuid";
import { vehicles } from "../server/src/db/schema/index.ts";
import { startMessaging } from "../server/src/mqtt/messaging.ts";
import { createTestApp } from "../server/test/harness.ts";
import { startMosquitto } from "../server/test/mosquitto.ts";
import { runningClock } from "../server/test/system.ts";
import type { LoadJob, LoadResult } from "./ingest-load.worker.ts";

process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
const N_BROKER = Number(process.env.BENCH_BROKER_MESSAGES ?? 50_000);
const N_SINGLE = Number(process.env.BENCH_SINGLE_FIXES ?? 40_000);
const N_BATCHED = Number(process.env.BENCH_BATCHED_FIXES ?? 200_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const LATENCY_RATE = 5_000;
const VEHICLES = 200;
const WINDOW = 2_000; // QoS 1 publishes awaiting PUBACK, per publisher
const PREFIX = "bench";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * CPU time (ms) a thread or process has used, from /proc: on a shared machine
 * the wall-clock rates swing by 2× with other people's load, CPU per message
 * much less, so each phase also prints what the server thread and the broker spent.
 */
function cpuMs(statPath: string | null): number {
  if (!statPath) return NaN;
  try {
    const stat = readFileSync(statPath, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 100 Hz ticks
  } catch {
    return NaN;
  }
}
const serverThreadStat = `/proc/self/task/${process.pid}/stat`;
function brokerStat(confFile: string): string | null {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(confFile)) return `/proc/${pid}/stat`;
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}
/** CPU time of each of these processes (PostgreSQL backends), by pid. */
function pidsCpu(pids: number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuMs(`/proc/${pid}/stat`)]));
}

/**
 * Starts a CPU meter; the returned function says µs per message spent by this
 * thread (the server's ingest, or (a)'s subscriber), the fleet's worker thread
 * (as it measured itself), the broker and this database's backends.
 */
async function cpuMeter(broker: string | null, backends: () => Promise<number[]> = async () => []) {
  const thread0 = cpuMs(serverThreadStat);
  const broker0 = cpuMs(broker);
  const pg0 = pidsCpu(await backends());
  return async (messages: number, fleet: LoadResult) => {
    const thread = cpuMs(serverThreadStat) - thread0;
    const rest = fleet.cpuMs ?? NaN;
    const brokerMs = cpuMs(broker) - broker0;
    let pg = 0;
    for (const [pid, ms] of pidsCpu(await backends())) pg += ms - (pg0.get(pid) ?? 0);
    const us = (ms: number) => ((ms * 1000) / messages).toFixed(1);
    return (
      `CPU per message: server thread ${us(thread)} µs, fleet worker ${us(rest)} µs, broker ${us(brokerMs)} µs, ` +
      `PostgreSQL backends ${us(pg)} µs, total ${us(thread + rest + brokerMs + pg)} µs`
    );
  };
}
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Runs one load job in a worker thread (the fleet), so it does not share the server's event loop. */
function runLoad(job: LoadJob, onStart: () => void = () => {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // A worker's entry file is loaded before `--import tsx` could hook it, so register tsx first, then import.
    const entry = new URL("./ingest-load.worker.ts", import.meta.url).href;
    const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    worker.on("message", (m: { started?: boolean; ok?: boolean; result?: LoadResult; error?: string }) => {
      if (m.started) return onStart();
      void worker.terminate();
      if (m.ok) resolve(m.result!);
      else reject(new Error(m.error));
    });
    worker.once("error", reject);
  });
}

async function main() {
  const broker = await startMosquitto({ extraConfig: ["max_queued_messages 0", "max_inflight_messages 0", "max_queued_bytes 0"] });
  const t = await createTestApp({ clock: runningClock(), env: { MQTT_URL: broker.url, MQTT_TOPIC_PREFIX: PREFIX } });
  const results: Record<string, number> = {};
  const brokerCpu = brokerStat(broker.confFile);
  try {
    // (a) the broker alone: the worker publishes, this thread subscribes
    {
      const sub = await mqtt.connectAsync(broker.url, { clientId: `bench-sub-${randomUUID()}` });
      let received = 0;
      const all = new Promise<void>((resolve) => sub.on("message", () => ++received === N_BROKER && resolve()));
      await sub.subscribeAsync("rate/#", { qos: 1 });
      let t0 = process.hrtime.bigint();
      const cpu = await cpuMeter(brokerCpu);
      const load = await runLoad({ kind: "raw", url: broker.url, count: N_BROKER, window: WINDOW }, () => (t0 = process.hrtime.bigint()));
      await all;
      results.a = N_BROKER / seconds(t0);
      const usage = await cpu(N_BROKER, load);
      await sub.endAsync();
      console.log(`(a) broker QoS 1, 150-byte messages: ${fmt(results.a)} msg/s; ${usage} (subscriber)`);
    }

    const messaging = await startMessaging(t.deps, t.database);
    const ids = Array.from({ length: VEHICLES }, () => uuidv7());
    await t.deps.db.insert(vehicles).values(ids.map((id, i) => ({ id, plate: `B${i}`, kind: "bus" as const, agentPasswordHash: "-" })));
    const backends = async () =>
      (await t.database.postgres!.unsafe<{ pid: number }[]>(`select pid from pg_stat_activity where datname = current_database()`)).map((r) => r.pid);
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
    // Each phase gets its own stretch of time (fixes 10 ms apart), within the day partitions and never "future".
    const hour = 3_600_000;
    const phaseStart = (hoursAgo: number) => Date.now() - hoursAgo * hour;
    const fleet = { url: broker.url, prefix: PREFIX, ids };

    // (b) one fix per message
    {
      const base = await committed();
      let t0 = process.hrtime.bigint();
      const cpu = await cpuMeter(brokerCpu, backends);
      const load = await runLoad({ kind: "single", ...fleet, count: N_SINGLE, window: WINDOW, startTs: phaseStart(20) }, () => (t0 = process.hrtime.bigint()));
      await waitRows(base + N_SINGLE);
      results.b = N_SINGLE / seconds(t0);
      console.log(`(b) single-fix messages → committed rows: ${fmt(results.b)} rows/s; ${await cpu(N_SINGLE, load)}`);
    }

    // (c) batches of 500 fixes, at most 100 messages un-acked by the server (as agents do;
    // a broker PUBACK bounds nothing, and the server sheds load past 100k buffered rows)
    {
      const base = await committed();
      let t0 = process.hrtime.bigint();
      const cpu = await cpuMeter(brokerCpu, backends);
      const load = await runLoad({ kind: "batched", ...fleet, count: N_BATCHED / 500, perMessage: 500, window: 100, startTs: phaseStart(16) }, () => (t0 = process.hrtime.bigint()));
      await waitRows(base + N_BATCHED);
      results.c = N_BATCHED / seconds(t0);
      console.log(`(c) batched fixes (500/message) → committed rows: ${fmt(results.c)} rows/s; ${await cpu(N_BATCHED / 500, load)}`);
    }

    // (d) raw COPY of as many rows, the database's own ceiling
    {
      const sql = t.database.postgres!;
      let ts = phaseStart(10);
      const lines: string[] = [];
      for (let i = 0; i < N_BATCHED; i++) {
        ts += 10;
        lines.push(`${ids[i % VEHICLES]}\t${new Date(ts).toISOString()}\t${30.2672 + Math.random() / 1e5}\t${-97.7431 + Math.random() / 1e5}\t8.3\t270\t5\t\\N\n`);
      }
      const pg0 = pidsCpu(await backends());
      const t0 = process.hrtime.bigint();
      const stream = await sql`copy positions (vehicle_id, ts, lat, lon, speed, heading, accuracy, flag) from stdin`.writable();
      await pipeline(
        (async function* () {
          for (let i = 0; i < lines.length; i += 5_000) yield lines.slice(i, i + 5_000).join("");
        })(),
        stream as unknown as Writable,
      );
      results.d = N_BATCHED / seconds(t0);
      let pgMs = 0;
      for (const [pid, ms] of pidsCpu(await backends())) pgMs += ms - (pg0.get(pid) ?? 0);
      console.log(`(d) raw COPY of the same rows: ${fmt(results.d)} rows/s; PostgreSQL backends ${((pgMs * 1000) / N_BATCHED).toFixed(1)} µs CPU per row`);
    }

    // (e) latency at 5,000 fixes/s offered: publish → ack (sent after the commit)
    {
      const from = new Date();
      const { latenciesMs = [] } = await runLoad({ kind: "rate", ...fleet, rate: LATENCY_RATE, seconds: LATENCY_SECONDS, startTs: phaseStart(6) });
      // Fix (sent at its ts, wall clock) → row visible (received_at = the insert's transaction time), per the database.
      const [visible] = await t.database.postgres!.unsafe<{ p50: number; p99: number; n: number }[]>(
        `select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.99) within group (order by ms) as p99, count(*)::int as n
         from (select extract(epoch from received_at - ts) * 1000 as ms from positions where ts >= $1) x`,
        [from.toISOString()],
      );
      results.visibleP50 = Number(visible!.p50);
      results.visibleP99 = Number(visible!.p99);
      latenciesMs.sort((x, y) => x - y);
      const q = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))] ?? NaN;
      results.p50 = q(0.5);
      results.p99 = q(0.99);
      const total = LATENCY_RATE * LATENCY_SECONDS;
      console.log(
        `(e) at ${fmt(LATENCY_RATE)} fixes/s offered for ${LATENCY_SECONDS} s: fix → visible row p50 ${results.visibleP50.toFixed(0)} ms, p99 ${results.visibleP99.toFixed(0)} ms (${fmt(visible!.n)} rows); ` +
          `fix → ack back at the agent p50 ${results.p50.toFixed(0)} ms, p99 ${results.p99.toFixed(0)} ms (${fmt(latenciesMs.length)}/${fmt(total)} acked)`,
      );
    }
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
