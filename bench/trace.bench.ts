/**
 * npm run bench:trace — tracing speed on a generated city (bench/trace-city.ts).
 * Not a test: prints p50/p99 over 100 random cases of
 *   1. the bare SQL overlap join for one person (baseline),
 *   2. the full trace at depth 1 with paths, through the HTTP API
 *      (auth, join, paths, decrypting contacts, storing the trace, audit),
 *   3. the same at depth 2,
 * and their ratios to the baseline. DATABASE_URL names the server
 * (default postgres://postgres@127.0.0.1:5432/test); the data goes into its
 * own database, bench_trace, built once and reused.
 */
import { cpus, loadavg } from "node:os";
import { sql } from "drizzle-orm";
import pino from "pino";
import postgres from "postgres";
import { createApp } from "../server/src/app.ts";
import { createAuthRepository } from "../server/src/auth/auth.repository.ts";
import { loadConfig } from "../server/src/config.ts";
import { deriveKeys } from "../server/src/crypto/keys.ts";
import { encrypt } from "../server/src/crypto/personal-data.ts";
import { openDatabase, rowsOf } from "../server/src/db/client.ts";
import { ensureDayPartitions } from "../server/src/db/partitions.ts";
import { createMetrics } from "../server/src/metrics.ts";
import { createSms } from "../server/src/sms/sms.ts";
import { silentVehicleBus } from "../server/src/mqtt/vehicle-bus.ts";
import { onBoardSql } from "../server/src/tracing/tracing.repository.ts";
import { MAX_ON_BOARD_MS } from "../server/src/tracing/tracing.rules.ts";
import { buildCity, CITY, cityEnd, isPopulated, topUpCheckins } from "./trace-city.ts";

const CASES = 100;
const WINDOW_DAYS = CITY.positionDays;

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const benchUrl = new URL(serverUrl);
benchUrl.pathname = "/bench_trace";

async function ensureDatabase() {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const exists = await admin`select 1 from pg_database where datname = 'bench_trace'`;
  if (exists.length === 0) await admin.unsafe("create database bench_trace");
  await admin.end();
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main() {
  await ensureDatabase();
  const database = await openDatabase({ databaseUrl: benchUrl.toString(), dataDir: null, poolSize: 4 });
  const raw = database.postgres!;
  const keys = deriveKeys(Buffer.alloc(32, 42));
  const now = cityEnd();

  if (await isPopulated(raw)) {
    console.log(`Reusing the generated city in bench_trace (${CITY.version}).`);
    await topUpCheckins(raw);
  } else {
    console.log("Generating the city (once; reused by later runs)…");
    await ensureDayPartitions(database.db, CITY.start, CITY.days + 1);
    await buildCity(raw, encrypt(keys.personalData, "+8613800000000"));
  }
  const [counts] = await raw`select (select count(*) from vehicles) as vehicles, (select count(*) from checkins) as checkins,
    (select count(*) from trips) as trips, (select count(*) from positions) as positions, (select count(*) from persons) as persons`;
  console.log("City:", Object.fromEntries(Object.entries(counts!).map(([k, v]) => [k, Number(v)])));

  const config = loadConfig({ DATABASE_URL: benchUrl.toString(), LOG_LEVEL: "silent", PUBLIC_URL: "http://bench.local" });
  const deps = {
    config,
    db: database.db,
    clock: { now: () => now },
    logger: pino({ level: "silent" }),
    keys,
    metrics: createMetrics(),
    vehicleBus: silentVehicleBus,
    sms: createSms(config.sms, pino({ level: "silent" })),
  };
  const app = createApp(deps);
  const auth = createAuthRepository(deps);
  const username = `bench-tracer-${Date.now()}`;
  await auth.createUser({ username, password: "bench tracer password", role: "tracer" });
  const session = (await auth.login(username, "bench tracer password"))!;

  const from = new Date(now.getTime() - WINDOW_DAYS * 86_400_000);
  // The same 100 people every run (ordered by a hash), so runs compare.
  const cases = (
    await raw`select person_id from (select distinct person_id from checkins
      where boarded_at >= ${from.toISOString()}::timestamptz and boarded_at < ${now.toISOString()}::timestamptz) d
      order by md5(person_id::text) limit ${CASES}`
  ).map((r) => r.person_id as string);

  const { onBoard, ts } = onBoardSql;
  const bare = (personId: string) => sql`
    select o.person_id, greatest(c.boarded_at, o.boarded_at) as "from", least(c_ob.a, o_ob.a) as "to"
    from checkins c
    ${onBoard("c", ts(now), { from: from.getTime(), to: now.getTime() })}
    join checkins o on o.vehicle_id = c.vehicle_id and o.boarded_at >= c.boarded_at - interval '24 hours' and o.boarded_at < c_ob.a
      and o.boarded_at >= ${ts(from.getTime() - MAX_ON_BOARD_MS)} and o.boarded_at < ${ts(now)} and o.person_id <> c.person_id
    ${onBoard("o", ts(now), { from: from.getTime() - MAX_ON_BOARD_MS, to: now.getTime() })}
    where c.person_id = ${personId}::uuid and c.boarded_at >= ${ts(from)} and c.boarded_at < ${ts(now)}
      and least(c_ob.a, o_ob.a) - greatest(c.boarded_at, o.boarded_at) >= interval '1 minute'`;

  const trace = async (personId: string, depth: 1 | 2) => {
    const res = await app.request("/api/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ personId, from: from.toISOString(), to: now.toISOString(), reason: "bench", depth }),
    });
    if (res.status !== 201) throw new Error(`trace failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as { segments: unknown[]; contacts: unknown[] };
  };

  const measure = async (label: string, run: (p: string) => Promise<number>) => {
    for (const p of cases.slice(0, 5)) await run(p); // warm caches and plans
    const times: number[] = [];
    let rows = 0;
    for (const p of cases) {
      const t = performance.now();
      rows += await run(p);
      times.push(performance.now() - t);
    }
    return { label, p50: quantile(times, 0.5), p99: quantile(times, 0.99), rowsPerCase: rows / cases.length };
  };

  console.log(`\n${cases.length} random cases, each traced over the last ${WINDOW_DAYS} days, minOverlapMinutes 1:`);
  const results = [
    await measure("bare SQL overlap join (baseline)", async (p) => rowsOf(await database.db.execute(bare(p))).length),
    await measure("trace depth 1 with paths (API)", async (p) => {
      const r = await trace(p, 1);
      return r.contacts.length;
    }),
    await measure("trace depth 2 (API)", async (p) => (await trace(p, 2)).contacts.length),
  ];
  const base = results[0]!.p50;
  console.log("\n| query | p50 ms | p99 ms | p50 / baseline p50 | contacts per case |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of results) {
    console.log(`| ${r.label} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.p50 / base).toFixed(1)}× | ${r.rowsPerCase.toFixed(1)} |`);
  }
  console.log(`\nTargets: depth 1 with paths p50 < 20 ms, depth 2 p50 < 200 ms.`);
  // Other work on the machine shows in every figure: say how busy it was.
  console.log(`Load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(" / ")} (1/5/15 min) on ${cpus().length} cores.`);
  await database.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
