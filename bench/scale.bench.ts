/**
 * npm run bench:scale — ingest throughput with one and with two server
 * processes taking the same stream, in the same run, so the arithmetic of
 * docs/scaling.md rests on measured numbers.
 *
 * A Mosquitto of the bench's own (anonymous, no queue limits) and a fresh
 * PostgreSQL database (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; dropped after). Each server runs as
 * `npm start` runs it, in its own process, with MQTT_URL set: it subscribes
 * through the shared subscription `$share/ingest/…`, so two processes split
 * the stream. SERVER_ROLE is BENCH_SERVER_ROLE (default `ingest`: MQTT
 * ingest only, /health and /metrics; `all` adds the idle HTTP side).
 *
 * A load worker (bench/ingest-load.worker.ts, a thread of this process)
 * publishes BENCH_FIXES single-fix messages (QoS 1, 200 vehicles) as fast as
 * the broker takes them; the phase ends when every fix is a committed row.
 * Phases alternate one / two servers for BENCH_ROUNDS rounds. For each:
 * rows/s, how the fixes split between the processes, and CPU per 1,000 fixes
 * of each server process, the broker, the PostgreSQL backends and the load
 * worker — where the time goes.
 */
import { Worker } from "node:worker_threads";
import { loadavg, cpus } from "node:os";
import postgres from "postgres";
import { v7 as uuidv7 } from "uuid";
import { startMosquitto } from "../server/test/mosquitto.ts";
import type { LoadJob, LoadResult } from "./ingest-load.worker.ts";
import { rowSizes } from "./row-sizes.ts";
import { backendsCpu, cpuMs, freshDatabase, mosquittoPid, sleep, startServer } from "./processes.ts";

const FIXES = Number(process.env.BENCH_FIXES ?? 60_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ROLE = process.env.BENCH_SERVER_ROLE ?? "ingest";
const VEHICLES = 200;
const WINDOW = 2_000;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // A worker's entry file is loaded before `--import tsx` could hook it, so register tsx first, then import.
    const entry = new URL("./ingest-load.worker.ts", import.meta.url).href;
    const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    worker.on("message", (m: { started?: boolean; ok?: boolean; result?: LoadResult; error?: string }) => {
      if (m.started) return;
      void worker.terminate();
      if (m.ok) resolve(m.result!);
      else reject(new Error(m.error));
    });
    worker.once("error", reject);
  });
}

interface PhaseResult {
  servers: number;
  rowsPerSecond: number;
  split: number[];
  /** ms of CPU per 1,000 fixes. */
  cpu: { servers: number[]; broker: number; pg: number; load: number };
}

async function main() {
  console.log(`bench:scale — ${fmt(FIXES)} single-fix messages per phase, ${ROUNDS} rounds of one and two servers (SERVER_ROLE=${ROLE}); ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const db = await freshDatabase();
  const broker = await startMosquitto({ extraConfig: ["max_queued_messages 0", "max_inflight_messages 0", "max_queued_bytes 0"] });
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  const env = { DATABASE_URL: db.url, MQTT_URL: broker.url, SERVER_ROLE: ROLE };
  const servers = [await startServer(env)];
  const results: PhaseResult[] = [];
  let sizes: string[] = [];
  try {
    const ids = Array.from({ length: VEHICLES }, () => uuidv7());
    await sql`insert into vehicles ${sql(ids.map((id, i) => ({ id, plate: `S${i}`, kind: "bus", agent_password_hash: "-" })), "id", "plate", "kind", "agent_password_hash")}`;
    // Ingest learns vehicles as they come; one fix each first, so no phase measures the directory warming up.
    await runLoad({ kind: "single", url: broker.url, prefix: "", ids, count: VEHICLES, window: WINDOW, startTs: Date.now() - 20 * 3_600_000 });
    servers.push(await startServer(env));
    const brokerPid = mosquittoPid(broker.confFile);
    const rows = async () => Number((await sql`select count(*)::int as n from positions`)[0]!.n);

    let hour = 19;
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of [1, 2]) {
        // One server: the second is stopped for the phase (and started again after it), so the first takes the whole stream.
        const active = servers.slice(0, n);
        if (n === 1) await servers[1]!.stop();
        const before = await rows();
        const written0 = await Promise.all(active.map((s) => s.metric("positions_written_total")));
        const cpu0 = { servers: active.map((s) => cpuMs(s.pid)), broker: cpuMs(brokerPid), pg: await backendsCpu(sql, db.name) };
        const t0 = Date.now();
        const load = await runLoad({ kind: "single", url: broker.url, prefix: "", ids, count: FIXES, window: WINDOW, startTs: Date.now() - hour-- * 3_600_000 });
        const deadline = Date.now() + 180_000;
        while ((await rows()) < before + FIXES && Date.now() < deadline) await sleep(20);
        const seconds = (Date.now() - t0) / 1000;
        const stored = (await rows()) - before;
        const pg1 = await backendsCpu(sql, db.name);
        let pg = 0;
        for (const [pid, ms] of pg1) pg += ms - (cpu0.pg.get(pid) ?? ms);
        const written = (await Promise.all(active.map((s) => s.metric("positions_written_total")))).map((w, i) => w - written0[i]!);
        const per1k = (ms: number) => (ms * 1000) / Math.max(1, stored);
        results.push({
          servers: n,
          rowsPerSecond: stored / seconds,
          split: written,
          cpu: {
            servers: active.map((s, i) => per1k(cpuMs(s.pid) - cpu0.servers[i]!)),
            broker: per1k(cpuMs(brokerPid) - cpu0.broker),
            pg: per1k(pg),
            load: per1k(load.cpuMs ?? NaN),
          },
        });
        const r = results.at(-1)!;
        console.log(
          `round ${round + 1}, ${n} server${n > 1 ? "s" : ""}: ${fmt(stored)} of ${fmt(FIXES)} fixes stored in ${seconds.toFixed(1)} s = ${fmt(r.rowsPerSecond)} rows/s; split ${r.split.map(fmt).join(" / ")}; ` +
            `CPU ms per 1,000 fixes: server${n > 1 ? "s" : ""} ${r.cpu.servers.map((c) => c.toFixed(0)).join(" + ")}, broker ${r.cpu.broker.toFixed(0)}, PostgreSQL ${r.cpu.pg.toFixed(0)}, load ${r.cpu.load.toFixed(0)}`,
        );
        if (n === 1) servers[1] = await startServer(env);
      }
    }
    sizes = await rowSizes(sql, ["positions"]);
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    await sql.end();
    await broker.close();
    await db.drop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const one = results.filter((r) => r.servers === 1);
  const two = results.filter((r) => r.servers === 2);
  const r1 = median(one.map((r) => r.rowsPerSecond));
  const r2 = median(two.map((r) => r.rowsPerSecond));
  console.log(`\nmedian rows/s: one server ${fmt(r1)}, two servers ${fmt(r2)} (×${(r2 / r1).toFixed(2)}); load now ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  for (const line of sizes) console.log(`row size: ${line}`);
  console.log(`JSON ${JSON.stringify(results)}`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
