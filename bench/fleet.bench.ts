/**
 * npm run bench:fleet — a province's fleet connected: N simulated vehicles
 * (default 10,000) hold persistent MQTT sessions for a bounded time, each
 * sending one fix every 10 s plus trip events, with a Last Will, against
 *
 *   mosquitto  a Mosquitto 2 of the bench's own (anonymous: see below)
 *   nats       a nats-server 2.9 of the bench's own, MQTT + JetStream
 *   aedes      the server's embedded broker (MQTT_URL unset)
 *
 * and a server running as `npm start` runs it (its own process) on a real
 * PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
 * a fresh database per broker, dropped after). The vehicles are raw MQTT.js
 * clients in a few processes (bench/fleet-vehicles.ts), spread over loopback
 * source addresses 127.0.1.1–127.0.1.40.
 *
 * Reported per broker: connect time, fixes/s stored, fix-to-row p50/p99 (the
 * row's received_at − the fix's ts, its send time), every fix stored once
 * (rows = fixes the broker confirmed; the key (vehicle_id, ts) makes a second
 * copy impossible), RSS of the server, the broker and the fleet, and the
 * vehicles the server still thinks online after they left (Last Will).
 *
 * Honest limits of the setup:
 * - Logins: on aedes every vehicle logs in against its scrypt hash; the bench
 *   stores hashes made with N=2^10 instead of the server's 2^15, so that
 *   10,000 first logins do not measure scrypt (~50 ms of CPU each: 8 minutes
 *   on 2 cores — a real fleet's first reconnect after a server restart does
 *   pay it; logins are then cached for 5 minutes). Mosquitto and NATS run
 *   without authentication (per-vehicle dynsec logins would be provisioned
 *   one by one at registration, which this bench skips by writing vehicles
 *   straight into the database).
 * - On NATS the server takes the agents' messages through its queue group
 *   (NATS_URL), as a deployment does (docs/DESIGN.md §2).
 * - Everything — fleet, broker, server, PostgreSQL — shares this machine.
 *
 * Options (environment): BENCH_VEHICLES (10000), BENCH_SECONDS (hold time,
 * 300), BENCH_BROKERS (mosquitto,nats,aedes), BENCH_FIX_INTERVAL_MS (10000),
 * BENCH_FLEET_PROCS (2).
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes, scryptSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { v7 as uuidv7 } from "uuid";
import { startMosquitto } from "../server/test/mosquitto.ts";
import { startNatsCluster } from "../server/test/nats-cluster.ts";
import type { FleetJob, FleetReport } from "./fleet-vehicles.ts";
import { backendsCpu, cpuMs, freshDatabase, mosquittoPid, rssMb, sleep, startServer } from "./processes.ts";

const VEHICLES = Number(process.env.BENCH_VEHICLES ?? 10_000);
const HOLD_SECONDS = Number(process.env.BENCH_SECONDS ?? 300);
const BROKERS = (process.env.BENCH_BROKERS ?? "mosquitto,nats,aedes").split(",").map((b) => b.trim()) as Broker[];
const INTERVAL_MS = Number(process.env.BENCH_FIX_INTERVAL_MS ?? 10_000);
const FLEET_PROCS = Number(process.env.BENCH_FLEET_PROCS ?? 2);
const NATS_NODES = Number(process.env.BENCH_NATS_NODES ?? 3);
/** BENCH_FLEET_QOS=0: fixes, trip events and the ack/display subscriptions at QoS 0 (see fleet-vehicles.ts). */
const FLEET_QOS = process.env.BENCH_FLEET_QOS === "0" ? 0 : 1;
/** Extra settings in each NATS node's mqtt {…} block (BENCH_NATS_MQTT), e.g. "consumer_memory_storage: true". */
const NATS_MQTT = process.env.BENCH_NATS_MQTT;
const SOURCE_ADDRESSES = Array.from({ length: 40 }, (_, i) => `127.0.1.${i + 1}`);
const PASSWORD = "bench-fleet-agent-password";

type Broker = "mosquitto" | "nats" | "aedes";
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** The soft limit on open files, which each vehicle's socket counts against in the broker (and in aedes's server). */
function openFilesLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s+/)[3] ?? 0);
}

/** A scrypt hash in the server's format (crypto/passwords.ts), with cheap parameters: see the header. */
function cheapAgentHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return ["scrypt", 1024, 8, 1, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** The fleet's processes: each takes a slice of the vehicles; resolves when every one reports `kind`. */
function startFleet(job: Omit<FleetJob, "vehicleIds">, ids: string[]) {
  const procs: ChildProcess[] = [];
  const latest = new Map<number, FleetReport>();
  const waiters: { kind: string; seen: Set<number>; resolve: () => void }[] = [];
  for (let k = 0; k < FLEET_PROCS; k++) {
    const slice = ids.filter((_, i) => i % FLEET_PROCS === k);
    const p = fork(path.join(import.meta.dirname, "fleet-vehicles.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    p.on("message", (m: { kind: string; report: FleetReport }) => {
      latest.set(k, m.report);
      for (const w of waiters) {
        if (w.kind === m.kind) {
          w.seen.add(k);
          if (w.seen.size === FLEET_PROCS) w.resolve();
        }
      }
    });
    p.send({ kind: "start", job: { ...job, vehicleIds: slice } });
    procs.push(p);
  }
  const all = (kind: string) =>
    new Promise<void>((resolve) => {
      waiters.push({ kind, seen: new Set(), resolve });
    });
  const sum = (): FleetReport => {
    const r = [...latest.values()];
    const total = (k: keyof FleetReport) => r.reduce((n, x) => n + x[k], 0);
    return {
      connected: total("connected"),
      connectMs: Math.max(0, ...r.map((x) => x.connectMs)),
      connectFailures: total("connectFailures"),
      fixesSent: total("fixesSent"),
      fixesAcked: total("fixesAcked"),
      tripEvents: total("tripEvents"),
      tripsOpened: total("tripsOpened"),
      serverAcks: total("serverAcks"),
      reconnects: total("reconnects"),
      willsTriggered: total("willsTriggered"),
      cpuMs: total("cpuMs"),
      rssMb: total("rssMb"),
    };
  };
  return {
    pids: () => procs.map((p) => p.pid),
    report: sum,
    async stop() {
      const done = all("stopped");
      procs.forEach((p) => p.send({ kind: "stop" }));
      await done;
    },
    async leave() {
      const done = all("left");
      procs.forEach((p) => p.send({ kind: "leave" }));
      await Promise.race([done, sleep(120_000)]);
    },
    kill() {
      procs.forEach((p) => p.exitCode === null && p.kill("SIGKILL"));
    },
  };
}

interface Outcome {
  broker: Broker;
  vehicles: number;
  connected: number;
  connectSeconds: number | null;
  holdSeconds: number;
  fixesSent: number;
  fixesAcked: number;
  rows: number;
  storedPerSecond: number;
  p50: number;
  p99: number;
  /** p99 over every fix, those sent while the fleet was still connecting included. */
  p99All: number;
  /** p99 (ms) of the fixes sent in each 10 s of the hold. */
  p99ByWindow: number[];
  tripEvents: number;
  tripsOpened: number;
  trips: number;
  /** From the fleet's stop to the last fix and trip stored. */
  drainSeconds: number;
  /** Cores used while held, by process: 1 is one core busy for the whole hold. */
  cpuCores: { server: number; broker: number; fleet: number; pg: number };
  /** The positions' inserts: how many, their mean time, and how many took over 250 ms and over 1 s. */
  batches: { count: number; meanMs: number; over250ms: number; over1s: number };
  /** The server's event loop: delay p99 and max (ms) since it started, and time spent in garbage collection (s). */
  serverLoop: { lagP99: number; lagMax: number; gcSeconds: number };
  /** The server's mqtt_messages_total and mqtt_invalid_messages_total lines: what it did with each kind. */
  messages: string[];
  serverAcks: number;
  reconnects: number;
  rss: { server: number; broker: number; fleet: number };
  onlineBeforeLeaving: number;
  onlineAfterLeaving: number;
  wills: number;
  load: string;
  error?: string;
}

async function benchBroker(broker: Broker): Promise<Outcome> {
  const db = await freshDatabase();
  const cleanups: (() => Promise<unknown>)[] = [db.drop];
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  cleanups.unshift(() => sql.end());
  const outcome: Outcome = {
    broker, vehicles: VEHICLES, connected: 0, connectSeconds: null, holdSeconds: 0, fixesSent: 0, fixesAcked: 0, rows: 0, storedPerSecond: 0, p50: NaN, p99: NaN, p99All: NaN, p99ByWindow: [],
    tripEvents: 0, tripsOpened: 0, trips: 0, drainSeconds: 0, messages: [], serverLoop: { lagP99: NaN, lagMax: NaN, gcSeconds: NaN }, cpuCores: { server: NaN, broker: NaN, fleet: NaN, pg: NaN }, batches: { count: 0, meanMs: NaN, over250ms: 0, over1s: 0 }, serverAcks: 0, reconnects: 0, rss: { server: 0, broker: 0, fleet: 0 }, onlineBeforeLeaving: 0, onlineAfterLeaving: 0, wills: 0, load: "",
  };
  let fleet: ReturnType<typeof startFleet> | null = null;
  try {
    // The broker first, then the server (which migrates the fresh database), then the vehicles, written straight in.
    let mqttUrl: string | undefined;
    let natsUrl: string | undefined;
    /** Where vehicle i dials: the broker's port, or one node of the cluster in turn. */
    let ports: number[] = [];
    let brokerPids: () => (number | undefined)[] = () => [];
    if (broker === "mosquitto") {
      const m = await startMosquitto({ extraConfig: ["max_queued_messages 0", "max_inflight_messages 0", "max_queued_bytes 0"] });
      cleanups.unshift(() => m.close());
      mqttUrl = m.url;
      brokerPids = () => [mosquittoPid(m.confFile)];
      ports = [Number(new URL(m.url).port)];
    } else if (broker === "nats") {
      const n = await startNatsCluster({ users: "", nodes: NATS_NODES, jetstreamLimits: "max_memory_store: 1GB, max_file_store: 8GB", mqtt: NATS_MQTT });
      cleanups.unshift(() => n.close());
      // BENCH_NATS_LOG=dir: each node's log written there at the end, to see why vehicles were dropped.
      if (process.env.BENCH_NATS_LOG) cleanups.unshift(async () => n.nodes.forEach((node, i) => writeFileSync(path.join(process.env.BENCH_NATS_LOG!, `${node.name}.log`), n.log(i))));
      mqttUrl = n.mqttUrls.join(",");
      natsUrl = n.natsUrls.join(",");
      brokerPids = () => n.nodes.map((node) => node.proc?.pid);
      ports = n.nodes.map((node) => node.mqttPort);
    }
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": to see where the server's time goes.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const server = await startServer({ DATABASE_URL: db.url, ...(mqttUrl ? { MQTT_URL: mqttUrl } : {}), ...(natsUrl ? { NATS_URL: natsUrl } : {}) }, nodeArgs);
    cleanups.unshift(() => server.stop());

    const ids = Array.from({ length: VEHICLES }, () => uuidv7());
    const hash = cheapAgentHash(PASSWORD);
    for (let i = 0; i < ids.length; i += 1_000) {
      const rows = ids.slice(i, i + 1_000).map((id, k) => ({ id, plate: `F${i + k}`, kind: "bus", agent_password_hash: hash }));
      await sql`insert into vehicles ${sql(rows, "id", "plate", "kind", "agent_password_hash")}`;
    }
    if (broker === "aedes") ports = [server.mqttPort];
    const brokerRss = () => brokerPids().reduce((n: number, pid) => n + rssMb(pid), 0);

    const peak = { server: 0, broker: 0, fleet: 0 };
    const sample = () => {
      peak.server = Math.max(peak.server, rssMb(server.pid));
      peak.broker = Math.max(peak.broker, brokerRss());
      peak.fleet = Math.max(peak.fleet, fleet ? fleet.pids().reduce((n: number, pid) => n + rssMb(pid), 0) : 0);
    };
    const sampler = setInterval(sample, 2_000);
    cleanups.unshift(async () => clearInterval(sampler));

    console.log(`[${broker}] connecting ${fmt(VEHICLES)} vehicles…`);
    fleet = startFleet({ host: "127.0.0.1", ports, prefix: "", password: PASSWORD, sourceAddresses: SOURCE_ADDRESSES, intervalMs: INTERVAL_MS, holdSeconds: HOLD_SECONDS, connectConcurrency: 100, qos: FLEET_QOS }, ids);
    const connectDeadline = Date.now() + 300_000;
    while (fleet.report().connected < VEHICLES && Date.now() < connectDeadline) {
      await sleep(1_000);
      if (broker === "aedes" && rssMb(server.pid) === 0) throw new Error(`the server died while vehicles connected:\n${server.output()}`);
    }
    const afterConnect = fleet.report();
    outcome.connected = afterConnect.connected;
    outcome.connectSeconds = afterConnect.connected === VEHICLES ? afterConnect.connectMs / 1000 : null;
    console.log(`[${broker}] ${fmt(afterConnect.connected)} connected${outcome.connectSeconds !== null ? ` in ${outcome.connectSeconds.toFixed(1)} s` : " (not all, after 300 s)"}; holding ${HOLD_SECONDS} s`);

    const rows0 = Number((await sql`select count(*)::int as n from positions`)[0]!.n);
    const cpuOf = async () => ({
      server: cpuMs(server.pid),
      broker: brokerPids().reduce((n: number, pid) => n + (pid ? cpuMs(pid) : 0), 0),
      fleet: fleet!.pids().reduce((n: number, pid) => n + cpuMs(pid), 0),
      pg: await backendsCpu(sql, db.name),
    });
    const cpu0 = await cpuOf();
    const holdStart = Date.now();
    const holdEnd = holdStart + HOLD_SECONDS * 1000;
    while (Date.now() < holdEnd) {
      await sleep(Math.min(30_000, holdEnd - Date.now()));
      const r = fleet.report();
      const written = await server.metric("positions_written_total");
      console.log(`[${broker}]   ${Math.round((Date.now() - holdStart) / 1000)} s: sent ${fmt(r.fixesSent)}, broker-confirmed ${fmt(r.fixesAcked)}, written ${fmt(written)}, reconnects ${r.reconnects}, server RSS ${fmt(rssMb(server.pid))} MB`);
    }
    const rowsAtEnd = Number((await sql`select count(*)::int as n from positions`)[0]!.n);
    outcome.holdSeconds = (Date.now() - holdStart) / 1000;
    outcome.storedPerSecond = (rowsAtEnd - rows0) / outcome.holdSeconds;
    const cpu1 = await cpuOf();
    let pgMs = 0;
    for (const [pid, ms] of cpu1.pg) pgMs += ms - (cpu0.pg.get(pid) ?? ms);
    // Share of one core while held (1 = a whole core); the broker's is the server's own on aedes.
    const cores = (ms: number) => ms / (outcome.holdSeconds * 1000);
    outcome.cpuCores = { server: cores(cpu1.server - cpu0.server), broker: cores(cpu1.broker - cpu0.broker), fleet: cores(cpu1.fleet - cpu0.fleet), pg: cores(pgMs) };
    outcome.onlineBeforeLeaving = await server.metric("vehicles_online");
    await fleet.stop();
    const stopped = fleet.report();
    // Drain: every fix the broker confirmed should become a row, every trip opened a trip.
    const drainStart = Date.now();
    const drainEnd = drainStart + 120_000;
    let rows = 0;
    let trips = 0;
    while (Date.now() < drainEnd) {
      rows = Number((await sql`select count(*)::int as n from positions`)[0]!.n);
      trips = Number((await sql`select count(*)::int as n from trips`)[0]!.n);
      if (rows >= stopped.fixesAcked && trips >= stopped.tripsOpened) break;
      await sleep(500);
    }
    outcome.drainSeconds = (Date.now() - drainStart) / 1000;
    outcome.messages = [...(await server.metricLines("mqtt_messages_total")), ...(await server.metricLines("mqtt_invalid_messages_total"))];
    outcome.serverLoop = {
      lagP99: (await server.metric("nodejs_eventloop_lag_p99_seconds")) * 1000,
      lagMax: (await server.metric("nodejs_eventloop_lag_max_seconds")) * 1000,
      gcSeconds: await server.metric("nodejs_gc_duration_seconds_sum"),
    };
    // How long the positions' inserts took (commit included): a slow database reads differently from a starved server.
    const batches = await server.metric("ingest_batch_seconds_count");
    const over = async (le: string) => batches - (await server.metric(`ingest_batch_seconds_bucket{le="${le}"}`));
    outcome.batches = { count: batches, meanMs: ((await server.metric("ingest_batch_seconds_sum")) / Math.max(1, batches)) * 1000, over250ms: await over("0.25"), over1s: await over("1") };
    // Latency over the fixes sent while held (the fleet connected), and over all of them (the connect storm included).
    const latency = async (since: Date) =>
      (
        await sql<{ p50: number; p99: number }[]>`
          select percentile_cont(0.5) within group (order by extract(epoch from received_at - ts)) as p50,
                 percentile_cont(0.99) within group (order by extract(epoch from received_at - ts)) as p99
          from positions where ts >= ${since}`
      )[0]!;
    const held = await latency(new Date(holdStart));
    // Per 10 s of the hold: a spike at a period (a job) reads differently from a steady tail (throughput).
    outcome.p99ByWindow = (
      await sql<{ p99: number }[]>`
        select w, percentile_cont(0.99) within group (order by lag) as p99
        from (select floor(extract(epoch from ts - ${new Date(holdStart)}) / 10) as w, extract(epoch from received_at - ts) as lag
              from positions where ts >= ${new Date(holdStart)}) f
        group by w order by w`
    ).map((r) => Math.round(r.p99 * 1000));
    const all = await latency(new Date(0));
    outcome.rows = rows;
    outcome.p50 = held.p50 * 1000;
    outcome.p99 = held.p99 * 1000;
    outcome.p99All = all.p99 * 1000;
    outcome.fixesSent = stopped.fixesSent;
    outcome.fixesAcked = stopped.fixesAcked;
    outcome.tripEvents = stopped.tripEvents;
    outcome.trips = trips;
    outcome.tripsOpened = stopped.tripsOpened;
    outcome.serverAcks = stopped.serverAcks;
    outcome.reconnects = stopped.reconnects;
    sample();
    await fleet.leave();
    outcome.wills = fleet.report().willsTriggered;
    const offlineEnd = Date.now() + 30_000;
    do {
      await sleep(1_000);
      outcome.onlineAfterLeaving = await server.metric("vehicles_online");
    } while (outcome.onlineAfterLeaving > 0 && Date.now() < offlineEnd);
    outcome.rss = peak;
  } catch (err) {
    outcome.error = (err as Error).message.slice(0, 2_000);
  } finally {
    outcome.load = loadavg().map((l) => l.toFixed(1)).join(" ");
    fleet?.kill();
    for (const c of cleanups) await c().catch(() => {});
  }
  return outcome;
}

function print(o: Outcome) {
  const ok = (b: boolean) => (b ? "met" : "NOT met");
  console.log(`\n== ${o.broker}: ${fmt(o.vehicles)} vehicles, one fix per ${INTERVAL_MS / 1000} s each, held ${o.holdSeconds.toFixed(0)} s (load ${o.load})`);
  if (o.error) console.log(`   FAILED: ${o.error}`);
  console.log(`   connected          ${fmt(o.connected)}${o.connectSeconds !== null ? ` in ${o.connectSeconds.toFixed(1)} s (${fmt(o.vehicles / o.connectSeconds)}/s)` : " — not all"}; reconnects while held: ${o.reconnects}`);
  console.log(`   fixes              sent ${fmt(o.fixesSent)}, broker-confirmed ${fmt(o.fixesAcked)}, rows ${fmt(o.rows)} — every fix stored once: ${ok(o.rows === o.fixesAcked && o.fixesAcked === o.fixesSent)}`);
  console.log(`   stored             ${fmt(o.storedPerSecond)} fixes/s (offered ${fmt((o.connected * 1000) / INTERVAL_MS)}/s)`);
  console.log(`   fix → row (held)   p50 ${fmt(o.p50)} ms, p99 ${fmt(o.p99)} ms — p99 < 1 s: ${o.storedPerSecond > 0 ? ok(o.p99 < 1000) : "NOT met (nothing stored while held)"}; p99 with the connect storm ${fmt(o.p99All)} ms`);
  console.log(`   p99 per 10 s held  ${o.p99ByWindow.map(fmt).join(" ")} ms`);
  console.log(`   trips              ${fmt(o.tripEvents)} events sent, ${fmt(o.tripsOpened)} trips opened, ${fmt(o.trips)} stored — every trip stored: ${ok(o.trips === o.tripsOpened)}; server acks received ${fmt(o.serverAcks)}`);
  console.log(`   drained            ${o.drainSeconds.toFixed(1)} s after the fleet stopped sending`);
  console.log(`   server took        ${o.messages.map((l) => l.replace(/^mqtt_(invalid_)?messages_total/, "$1")).join(", ")}`);
  const c = o.cpuCores;
  const per1k = (cores: number) => fmt((cores * 1000 * 1000) / Math.max(1, o.storedPerSecond));
  console.log(`   CPU while held     cores: server ${c.server.toFixed(2)}, broker ${c.broker.toFixed(2)}, PostgreSQL backends ${c.pg.toFixed(2)}, fleet ${c.fleet.toFixed(2)}; ms per 1,000 fixes: server ${per1k(c.server)}, broker ${per1k(c.broker)}, PostgreSQL ${per1k(c.pg)}`);
  console.log(`   inserts            ${fmt(o.batches.count)} batches of positions, mean ${fmt(o.batches.meanMs)} ms; ${fmt(o.batches.over250ms)} over 250 ms, ${fmt(o.batches.over1s)} over 1 s`);
  console.log(`   server loop        delay p99 ${fmt(o.serverLoop.lagP99)} ms, max ${fmt(o.serverLoop.lagMax)} ms; ${o.serverLoop.gcSeconds.toFixed(1)} s in GC`);
  console.log(`   peak RSS           server ${fmt(o.rss.server)} MB${o.broker === "aedes" ? " (broker inside)" : `, broker ${fmt(o.rss.broker)} MB`}, fleet ${fmt(o.rss.fleet)} MB`);
  console.log(`   online             ${fmt(o.onlineBeforeLeaving)} while held → ${fmt(o.onlineAfterLeaving)} after leaving (${o.wills} by Last Will)`);
}

async function main() {
  const limit = openFilesLimit();
  console.log(`bench:fleet — ${fmt(VEHICLES)} vehicles × ${BROKERS.join(", ")}, hold ${HOLD_SECONDS} s; open files limit ${fmt(limit)}`);
  if (limit < VEHICLES + 1_000) {
    console.error(`The open files limit (${limit}) is below ${VEHICLES + 1_000}: the broker needs a descriptor per vehicle. Raise it (ulimit -n ${VEHICLES + 2_000}) and run again.`);
    process.exit(1);
  }
  const outcomes: Outcome[] = [];
  for (const broker of BROKERS) {
    const o = await benchBroker(broker);
    print(o);
    outcomes.push(o);
  }
  console.log(`\nJSON ${JSON.stringify(outcomes)}`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
