/**
 * npm run bench:ingest — MQTT ingest against a real Mosquitto (our own, on a
 * free port, no queue limits) and a real PostgreSQL (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; a fresh database, dropped after).
 *
 *   (a) the broker's own QoS 1 rate for 150-byte messages (publisher → subscriber),
 *       and (a′) the same with a QoS 0 subscriber, the hops ingest uses
 *   (b) single-fix messages, MQTT → committed rows
 *   (c) batched fixes (500 per message), MQTT → committed rows
 *   (d) raw COPY of the same rows into positions (the database's ceiling)
 *   (e) at 5,000 fixes/s offered: fix-to-visible-row latency (the row's
 *       received_at minus the fix's ts, which is its send time), and publish → ack
 *       back at the agent (the ack is sent only after the commit)
 *
 * (a)–(d) run in alternating rounds (BENCH_ROUNDS, default 3); the ratios b/a,
 * b/a′ and c/d are taken within each round and their median printed, so runs
 * compare on a noisy shared machine.
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
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N_BROKER = Number(process.env.BENCH_BROKER_MESSAGES ?? 30_000);
const N_SINGLE = Number(process.env.BENCH_SINGLE_FIXES ?? 30_000);
const N_BATCHED = Number(process.env.BENCH_BATCHED_FIXES ?? 100_000);
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

/** CPU time (ms) of each party during one phase: this thread, the fleet's worker, the broker, this database's backends. */
interface PhaseCpu {
  thread: number;
  fleet: number;
  broker: number;
  pg: number;
}

/** Starts a CPU meter; the returned function says what each party spent since. */
async function cpuMeter(broker: string | null, backends: () => Promise<number[]> = async () => []) {
  const thread0 = cpuMs(serverThreadStat);
  const broker0 = cpuMs(broker);
  const pg0 = pidsCpu(await backends());
  return async (fleet: LoadResult | null): Promise<PhaseCpu> => {
    let pg = 0;
    for (const [pid, ms] of pidsCpu(await backends())) pg += ms - (pg0.get(pid) ?? 0);
    return { thread: cpuMs(serverThreadStat) - thread0, fleet: fleet?.cpuMs ?? 0, broker: broker ? cpuMs(broker) - broker0 : 0, pg };
  };
}

/** One phase over all rounds: its rates, and CPU per message summed over the rounds. */
class Phase {
  readonly rates: number[] = [];
  private cpu: PhaseCpu = { thread: 0, fleet: 0, broker: 0, pg: 0 };
  private messages = 0;
  constructor(readonly label: string) {}
  add(rate: number, messages: number, cpu: PhaseCpu) {
    this.rates.push(rate);
    this.messages += messages;
    for (const k of Object.keys(cpu) as (keyof PhaseCpu)[]) this.cpu[k] += cpu[k];
  }
  /** µs of CPU per message, per party (10 ms ticks, so only meaningful over many messages). */
  cpuLine(thread: string): string {
    const us = (ms: number) => ((ms * 1000) / this.messages).toFixed(1);
    const c = this.cpu;
    const parties = [
      [thread, c.thread],
      ["fleet worker", c.fleet],
      ["broker", c.broker],
      ["PostgreSQL backends", c.pg],
    ] as const;
    const spent = parties.filter(([, ms]) => ms > 0);
    return `CPU per message: ${spent.map(([who, ms]) => `${who} ${us(ms)} µs`).join(", ")}, total ${us(spent.reduce((n, [, ms]) => n + ms, 0))} µs`;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ratios = (num: number[], den: number[]) => num.map((n, i) => n / den[i]!);
const list = (xs: number[], digits = 0) => xs.map((x) => (digits ? x.toFixed(digits) : fmt(x))).join(" / ");
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
  const brokerCpu = brokerStat(broker.confFile);
  const a1 = new Phase("(a) broker, QoS 1 publish → QoS 1 subscriber, 150-byte messages");
  const a0 = new Phase("(a′) broker, QoS 1 publish → QoS 0 subscriber (ingest's hops)");
  const b = new Phase("(b) single-fix messages → committed rows");
  const c = new Phase("(c) batched fixes (500/message) → committed rows");
  const d = new Phase("(d) raw COPY of as many rows");
  try {
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
    // Each phase of each round gets its own stretch of time (fixes 10 ms apart), within the day partitions and never "future".
    const hour = 3_600_000;
    const phaseStart = (hoursAgo: number) => Date.now() - hoursAgo * hour;
    const fleet = { url: broker.url, prefix: PREFIX, ids };

    /** (a) the broker alone: the worker publishes at QoS 1, this thread subscribes at `qos`. */
    async function brokerAlone(qos: 0 | 1, phase: Phase) {
      const sub = await mqtt.connectAsync(broker.url, { clientId: `bench-sub-${randomUUID()}` });
      let received = 0;
      const all = new Promise<void>((resolve) => sub.on("message", () => ++received === N_BROKER && resolve()));
      await sub.subscribeAsync("rate/#", { qos });
      let t0 = process.hrtime.bigint();
      const cpu = await cpuMeter(brokerCpu);
      const load = await runLoad({ kind: "raw", url: broker.url, count: N_BROKER, window: WINDOW }, () => (t0 = process.hrtime.bigint()));
      await all;
      phase.add(N_BROKER / seconds(t0), N_BROKER, await cpu(load));
      await sub.endAsync();
    }

    /** (b) and (c): the fleet publishes, the server's ingest (this thread) stores; timed to the last committed row. */
    async function ingest(phase: Phase, job: LoadJob, rows: number, messages: number) {
      const base = await committed();
      let t0 = process.hrtime.bigint();
      const cpu = await cpuMeter(brokerCpu, backends);
      const load = await runLoad(job, () => (t0 = process.hrtime.bigint()));
      await waitRows(base + rows);
      phase.add(rows / seconds(t0), messages, await cpu(load));
    }

    /** (d) raw COPY of as many rows, the database's own ceiling (lines built before the clock). */
    async function copy(startTs: number) {
      const sql = t.database.postgres!;
      let ts = startTs;
      const lines: string[] = [];
      for (let i = 0; i < N_BATCHED; i++) {
        ts += 10;
        lines.push(`${ids[i % VEHICLES]}\t${new Date(ts).toISOString()}\t${30.2672 + Math.random() / 1e5}\t${-97.7431 + Math.random() / 1e5}\t8.3\t270\t5\t\\N\n`);
      }
      const cpu = await cpuMeter(null, backends);
      const t0 = process.hrtime.bigint();
      const stream = await sql`copy positions (vehicle_id, ts, lat, lon, speed, heading, accuracy, flag) from stdin`.writable();
      await pipeline(
        (async function* () {
          for (let i = 0; i < lines.length; i += 5_000) yield lines.slice(i, i + 5_000).join("");
        })(),
        stream as unknown as Writable,
      );
      d.add(N_BATCHED / seconds(t0), N_BATCHED, await cpu(null));
    }

    // Rounds alternate the phases, so that a minute of someone else's load hits all of them alike;
    // the ratios are taken within each round, and their median is the figure.
    for (let round = 0; round < ROUNDS; round++) {
      const shift = round / 2; // hours
      await brokerAlone(1, a1);
      await brokerAlone(0, a0);
      await ingest(b, { kind: "single", ...fleet, count: N_SINGLE, window: WINDOW, startTs: phaseStart(20 - shift) }, N_SINGLE, N_SINGLE);
      // At most 100 messages un-acked by the server, as agents do (a broker PUBACK bounds nothing,
      // and the server sheds load past 100k buffered rows).
      await ingest(c, { kind: "batched", ...fleet, count: N_BATCHED / 500, perMessage: 500, window: 100, startTs: phaseStart(16 - shift) }, N_BATCHED, N_BATCHED);
      await copy(phaseStart(10 - shift));
      console.log(
        `round ${round + 1}/${ROUNDS}: (a) ${fmt(a1.rates[round]!)} msg/s, (a′) ${fmt(a0.rates[round]!)} msg/s, (b) ${fmt(b.rates[round]!)} rows/s, ` +
          `(c) ${fmt(c.rates[round]!)} rows/s, (d) ${fmt(d.rates[round]!)} rows/s`,
      );
    }
    console.log();
    for (const [phase, unit, thread] of [
      [a1, "msg/s", "subscriber"],
      [a0, "msg/s", "subscriber"],
      [b, "rows/s", "server thread"],
      [c, "rows/s (CPU per fix)", "server thread"],
      [d, "rows/s (CPU per row)", "this thread"],
    ] as const) {
      console.log(`${phase.label}: median ${fmt(median(phase.rates))} ${unit}; ${phase.cpuLine(thread)}`);
    }

    // (e) latency at 5,000 fixes/s offered: publish → ack (sent after the commit)
    let latency: string;
    {
      const from = new Date();
      const { latenciesMs = [] } = await runLoad({ kind: "rate", ...fleet, rate: LATENCY_RATE, seconds: LATENCY_SECONDS, startTs: phaseStart(6) });
      // Fix (sent at its ts, wall clock) → row visible (received_at = the insert's transaction time), per the database.
      const [visible] = await t.database.postgres!.unsafe<{ p50: number; p99: number; n: number }[]>(
        `select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.99) within group (order by ms) as p99, count(*)::int as n
         from (select extract(epoch from received_at - ts) * 1000 as ms from positions where ts >= $1) x`,
        [from.toISOString()],
      );
      latenciesMs.sort((x, y) => x - y);
      const q = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))] ?? NaN;
      const total = LATENCY_RATE * LATENCY_SECONDS;
      latency = `p99 ${Number(visible!.p99).toFixed(0)} ms`;
      console.log(
        `(e) at ${fmt(LATENCY_RATE)} fixes/s offered for ${LATENCY_SECONDS} s: fix → visible row p50 ${Number(visible!.p50).toFixed(0)} ms, p99 ${Number(visible!.p99).toFixed(0)} ms (${fmt(visible!.n)} rows); ` +
          `fix → ack back at the agent p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms (${fmt(latenciesMs.length)}/${fmt(total)} acked)`,
      );
    }
    await messaging.close();

    const ba1 = ratios(b.rates, a1.rates);
    const ba0 = ratios(b.rates, a0.rates);
    const cd = ratios(c.rates, d.rates);
    console.log(
      `\nratios (median of ${ROUNDS} rounds; each round's in brackets):\n` +
        `  b/a  = ${median(ba1).toFixed(2)} [${list(ba1, 2)}]  target ≥ 0.90\n` +
        `  b/a′ = ${median(ba0).toFixed(2)} [${list(ba0, 2)}]  (the broker over the same hops as ingest)\n` +
        `  c/d  = ${median(cd).toFixed(2)} [${list(cd, 2)}]  target ≥ 0.50\n` +
        `  (e) fix → visible row ${latency}, target p99 < 250 ms`,
    );
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
