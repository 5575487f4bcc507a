import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { rowsOf, type Db } from "../../server/src/db/client.ts";
import { AGENT_BUNDLE, AGENT_NODE_FLAGS } from "../scripts/build.ts";
import { sharedDataFile } from "./shared-data.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const AUSTIN_CSV = sharedDataFile("austin-bus-positions-2016-12-16.csv");

export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The agent as `npm run agent` runs it: the bundle (built by the test run's
 * global setup) under the same node flags, in one process so SIGKILL hits it.
 */
export function spawnAgent(args: string[]): AgentProcess {
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, AGENT_BUNDLE, ...args], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits for the agent to exit by itself (--exit-when-done); fails with its output if it does not. */
export async function exitOf(agent: AgentProcess, timeoutMs = 45_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      agent.child.kill("SIGKILL");
      reject(new Error(`the agent did not finish:\n${agent.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([agent.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface StoredFix {
  ts: number;
  lat: number;
  lon: number;
  flag: string | null;
}

/** Every stored fix of a vehicle, flagged or not, straight from the positions table. */
export async function storedFixes(db: Db, vehicleId: string): Promise<StoredFix[]> {
  const rows = rowsOf<{ ts: Date | string; lat: number; lon: number; flag: string | null }>(
    await db.execute(sql`select ts, lat, lon, flag from positions where vehicle_id = ${vehicleId} order by ts`),
  );
  return rows.map((r) => ({ ts: new Date(r.ts).getTime(), lat: Number(r.lat), lon: Number(r.lon), flag: r.flag }));
}

export interface StoredTrip {
  id: string;
  startedAt: number | null;
  endedAt: number | null;
  routeId: string | null;
  direction: string | null;
}

export async function storedTrips(db: Db, vehicleId: string): Promise<StoredTrip[]> {
  const rows = rowsOf<{ id: string; started_at: Date | string | null; ended_at: Date | string | null; route_id: string | null; direction: string | null }>(
    await db.execute(sql`select id, started_at, ended_at, route_id, direction from trips where vehicle_id = ${vehicleId} order by started_at`),
  );
  const time = (v: Date | string | null) => (v === null ? null : new Date(v).getTime());
  return rows.map((r) => ({ id: r.id, startedAt: time(r.started_at), endedAt: time(r.ended_at), routeId: r.route_id, direction: r.direction }));
}

/** An Austin-format track of `n` fixes one second apart, split into two trips. */
export function austinStyleTrack(vehicle: string, n: number): string {
  const start = Date.parse("2026-11-27T08:00:00Z");
  const rows = Array.from({ length: n }, (_, i) => {
    const trip = i < n / 2 ? ["K51", "9001", "K51 up"] : ["K51", "9002", "K51 down"];
    return [vehicle, new Date(start + i * 1000).toISOString(), "8.5", trip[0], trip[1], (36.65 + i * 0.00005).toFixed(6), "117.12", trip[2]].join(",");
  });
  return `vehicle_id,timestamp,speed,route_id,trip_id,latitude,longitude,trip_headsign\n${rows.join("\n")}\n`;
}
