/**
 * npm run bench:checkin — the passenger path at rush-hour load, against the
 * HTTP stack's own ceiling measured in the same run.
 *
 * The server runs as `npm start` runs it, in its own process, once on a real
 * PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a
 * fresh database with a month of day partitions, dropped after) and once on
 * embedded PGlite. A load client
 * (bench/checkin-load.ts) keeps 32 requests in flight over keep-alive
 * connections from 1,000 loopback addresses, scanning random vehicles among 200:
 *
 *   (a) GET /health                          the stack's ceiling (baseline)
 *   (b) POST /api/v1/checkins {code, phone}  a third new passengers, the rest returning
 *   (c) POST /api/v1/checkins {code}         one tap: the device cookie, no phone
 *   (d) GET /v/{code}                        the page a scan opens
 *   (e) POST /api/v1/checkins/{id}/alight    getting off
 *
 * BENCH_SETUP=postgres|pglite, BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_PHASES=bcde and
 * BENCH_NODE_ARGS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof) narrow a run.
 *
 * For each: rate, p50, p99, the ratio of the rate to (a), the status codes,
 * and CPU per request of the server process and of the PostgreSQL backends
 * serving its database. Each phase runs in 2 s slices with 2 s looks at (a)
 * between them, and its ratio is to those looks: a machine whose speed drifts
 * during the run moves both alike.
 * Ratios, not rates, compare across runs on a noisy machine.
 */
import { loadavg } from "node:os";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { ensureDayPartitions } from "../server/src/db/partitions.ts";
import { createClient, provePhones, runPhase, runSlice, summarise, type PhaseResult, type Reply, type Shot } from "./checkin-load.ts";
import { backendsCpu, cpuMs, freshDatabase, startServer } from "./processes.ts";
import { rowSizes } from "./row-sizes.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** A phase runs in slices this long, with a look at the baseline this long before, between and after them (see measure). */
const SLICE_SECONDS = 2;
const BASELINE_SLICE_SECONDS = 2;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const VEHICLES = 200;
const PROVED_PASSENGERS = 1_000;
const RETAINED_DAYS = 28;
/** BENCH_PHASES=c (say) runs only those phases after the baseline, e.g. to profile one with BENCH_NODE_ARGS=--cpu-prof; (e) needs (c)'s rides. */
const PHASES = process.env.BENCH_PHASES;
const phase = (p: string) => !PHASES || PHASES.includes(p);

/** The server on a fresh PostgreSQL database (dropped after), or on its own PGlite. */
async function checkinServer(setup: "postgres" | "pglite") {
  const database = setup === "postgres" ? await freshDatabase("bench_checkin") : null;
  const server = await startServer(database ? { DATABASE_URL: database.url } : {}, (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean));
  // CPU time of the PostgreSQL backends serving this database (others may share the server).
  const admin = database ? postgres(database.url, { max: 1, onnotice: () => {} }) : null;
  // The month of day partitions a deployment keeps (RETENTION_DAYS, 28 by default), not only the days the
  // server makes ahead: a statement that opens every partition is slower by each one.
  if (admin) await ensureDayPartitions(drizzle(admin), new Date(Date.now() - RETAINED_DAYS * 86_400_000), RETAINED_DAYS);
  return {
    ...server,
    database,
    async pgCpuMs(): Promise<number> {
      if (!admin || !database) return 0;
      return [...(await backendsCpu(admin, database.name)).values()].reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);
    },
    async stop() {
      await server.stop();
      await admin?.end();
      await database?.drop();
    },
  };
}

interface Measured extends PhaseResult {
  label: string;
  /** GET /health's rate in the looks around this phase's slices: what its ratio is to. */
  baselineRate: number;
  serverCpuUs: number;
  pgCpuUs: number;
}

async function benchSetup(setup: "postgres" | "pglite"): Promise<Measured[]> {
  const server = await checkinServer(setup);
  const client = createClient(server.base);
  try {
    const login = await fetch(`${server.base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "bench-admin-password" }),
    });
    const { token } = (await login.json()) as { token: string };
    const codes: string[] = [];
    for (let i = 0; i < VEHICLES; i++) {
      const res = await fetch(`${server.base}/api/v1/vehicles`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ plate: `鲁A${String(10000 + i)}`, kind: i % 10 === 0 ? "taxi" : "bus", routeId: `K${i % 20}`, capacity: i % 10 === 0 ? 4 : 60 }),
      });
      const v = (await res.json()) as { code: { id: string } };
      codes.push(v.code.id);
    }
    const code = () => codes[Math.floor(Math.random() * codes.length)]!;
    let nextPhone = 13_000_000_000 + Math.floor(Math.random() * 900_000_000);
    const newPhone = () => String(nextPhone++);
    // Returning passengers: phones proved on their own phones before the run, as each does once.
    const passengers = await provePhones(client, server.base, PROVED_PASSENGERS, newPhone);
    const passenger = () => passengers[Math.floor(Math.random() * passengers.length)]!;
    const rides: { id: string; cookie: string }[] = [];

    const health = (): Shot => ({ method: "GET", path: "/health" });
    /**
     * A phase in slices of SLICE_SECONDS, with a look at GET /health before,
     * between and after them: the phase's ratio is to the baseline measured
     * around it, so a machine that speeds up or slows down during the run
     * (seen here: /health from 3,400 to 6,400/s from one minute to the next)
     * moves both alike. CPU is counted over the phase's own slices.
     */
    const measure = async (label: string, next: (i: number) => Shot, onReply?: (i: number, reply: Reply) => void): Promise<Measured> => {
      const slices: Awaited<ReturnType<typeof runSlice>>[] = [];
      const baseline: typeof slices = [];
      const look = async () => void baseline.push(await runSlice(client, { concurrency: CONCURRENCY, seconds: BASELINE_SLICE_SECONDS }, health));
      let serverMs = 0;
      let pgMs = 0;
      let first = 0;
      await look();
      for (let done = 0; done < SECONDS; done += SLICE_SECONDS) {
        const s0 = cpuMs(server.pid);
        const p0 = await server.pgCpuMs();
        const slice = await runSlice(client, { concurrency: CONCURRENCY, seconds: Math.min(SLICE_SECONDS, SECONDS - done), first }, next, onReply);
        serverMs += cpuMs(server.pid) - s0;
        pgMs += (await server.pgCpuMs()) - p0;
        first += slice.latencies.length;
        slices.push(slice);
        await look();
      }
      const r = summarise(slices);
      const perReq = (ms: number) => (ms * 1000) / r.requests;
      return { label, ...r, baselineRate: summarise(baseline).rate, serverCpuUs: perReq(serverMs), pgCpuUs: perReq(pgMs) };
    };
    /** (b): a third new passengers typing their phone on a first scan (recorded unverified until they prove it), the rest returning with their device. */
    const typedPhone = (i: number): Shot => {
      if (i % 3 === 0) return { method: "POST", path: "/api/v1/checkins", body: { code: code(), phone: newPhone() } };
      const p = passenger();
      return { method: "POST", path: "/api/v1/checkins", body: { code: code(), phone: p.phone }, headers: { cookie: p.cookie } };
    };

    // Warm-up: a warm JIT and plan cache.
    await runPhase(client, { concurrency: CONCURRENCY, seconds: 3 }, () => ({ method: "GET", path: "/health" }));
    await runPhase(client, { concurrency: CONCURRENCY, seconds: 3 }, typedPhone);

    const results: Measured[] = [];
    results.push(await measure("(a) GET /health", health));
    if (phase("b")) results.push(await measure("(b) check-in, phone typed", typedPhone));
    const taps: string[] = [];
    if (phase("c") || phase("e")) results.push(
      await measure(
        "(c) check-in, one tap",
        (i) => {
          taps[i] = passenger().cookie;
          return { method: "POST", path: "/api/v1/checkins", body: { code: code() }, headers: { cookie: taps[i]! } };
        },
        (i, reply) => {
          if (reply.status === 201) rides.push({ id: (JSON.parse(reply.body) as { checkinId: string }).checkinId, cookie: taps[i]! });
        },
      ),
    );
    if (phase("d")) results.push(
      await measure("(d) GET /v/{code}", (i) => ({ method: "GET", path: `/v/${code()}`, headers: i % 3 === 0 ? undefined : { cookie: passenger().cookie } })),
    );
    let ride = 0;
    if (phase("e")) results.push(
      await measure("(e) alight", () => {
        const r = rides[ride++ % rides.length]!;
        return { method: "POST", path: `/api/v1/checkins/${r.id}/alight`, headers: { cookie: r.cookie } };
      }),
    );
    if (server.database) {
      const sql = postgres(server.database.url, { max: 1, onnotice: () => {} });
      sizes = await rowSizes(sql, ["checkins", "persons", "recent_scans"]).finally(() => sql.end());
    }
    return results;
  } finally {
    client.close();
    await server.stop();
  }
}

/** Row sizes of the PostgreSQL run's check-ins, passengers and recent scans (docs/scaling.md). */
let sizes: string[] = [];

function print(setup: string, results: Measured[]) {
  console.log(
    `\n${setup} — ${CONCURRENCY} concurrent, ${SECONDS} s a phase in ${SLICE_SECONDS} s slices between ${BASELINE_SLICE_SECONDS} s looks at /health, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
  );
  console.log("phase                        rate/s   p50 ms   p99 ms   /health around/s   ratio   server µs/req   PostgreSQL µs/req   statuses");
  for (const r of results) {
    const statuses = Object.entries(r.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(" ");
    console.log(
      `${r.label.padEnd(28)} ${r.rate.toFixed(0).padStart(6)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.baselineRate.toFixed(0).padStart(18)} ${(r.rate / r.baselineRate).toFixed(3).padStart(7)} ${r.serverCpuUs.toFixed(0).padStart(15)} ${(r.pgCpuUs ? r.pgCpuUs.toFixed(0) : "—").padStart(19)}   ${statuses}`,
    );
  }
  for (const line of sizes) console.log(`  ${line}`);
  sizes = [];
}

const only = process.env.BENCH_SETUP as "postgres" | "pglite" | undefined;
for (const setup of only ? [only] : (["postgres", "pglite"] as const)) {
  print(setup === "postgres" ? "PostgreSQL" : "PGlite (embedded)", await benchSetup(setup));
}
