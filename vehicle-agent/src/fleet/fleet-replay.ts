import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createAgent, type Agent } from "../agent.ts";
import { agentConfigSchema } from "../config.ts";
import { parseCsvLines, splitCsvLine } from "../gps/csv.ts";
import type { Log } from "../log.ts";

export interface FleetReplayOptions {
  /** A CSV with a vehicle column and, optionally, trip columns (the Austin layout, vehicle-agent/src/gps/csv.ts). */
  file: string;
  /** The server's HTTP address, for registering vehicles and the pass key. */
  server: string;
  /** The broker the agents connect to, and the topic prefix the server uses there. */
  url: string;
  topicPrefix?: string;
  admin: { username: string; password: string };
  speed: number;
  /** Where each vehicle's outbox and the file's registrations are kept. */
  dataDir: string;
  /** Plates are this prefix and the file's vehicle id (at most 20 characters). */
  platePrefix: string;
  /** How many registrations run at once (each hashes a password on the server). */
  concurrency?: number;
  log: Log;
}

interface Registration {
  id: string;
  password: string;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Replays a whole fleet file through the system: registers each vehicle the
 * file names (once: the registrations are kept beside the outboxes, since an
 * agent's password is shown only at registration), then runs one real agent
 * per vehicle on its rows (--replay with --vehicle-filter), each with its own
 * credentials and outbox. Each agent starts when its first fix comes due, so
 * the vehicles keep the day's order; each fix keeps its real spacing; and all
 * of them share one clock (fleetShift), so two buses that were somewhere at
 * the same moment are stamped with the same moment.
 */
export async function replayFleet(opts: FleetReplayOptions) {
  mkdirSync(opts.dataDir, { recursive: true });
  // One pass over the file: each vehicle's rows go to a file of its own, which its agent replays
  // (279 agents each scanning the whole day's file would cost more than the replay itself).
  const [header, ...rows] = readFileSync(opts.file, "utf8").split(/\r?\n/);
  const vehicleColumn = splitCsvLine(header!).findIndex((c) => ["vehicle_id", "vehicle"].includes(c.trim().toLowerCase()));
  if (vehicleColumn < 0) throw new Error(`${opts.file} has no vehicle_id column: replay a single vehicle's file with npm run agent -- --replay`);
  const rowsOf = new Map<string, string[]>();
  for (const row of rows) {
    if (!row.trim()) continue;
    const v = splitCsvLine(row)[vehicleColumn]?.trim();
    if (!v) continue;
    const list = rowsOf.get(v);
    if (list) list.push(row);
    else rowsOf.set(v, [row]);
  }
  const vehicles = [...rowsOf.keys()];
  const tracksDir = path.join(opts.dataDir, "tracks");
  mkdirSync(tracksDir, { recursive: true });
  const trackOf = (v: string) => path.join(tracksDir, `${path.basename(opts.file, ".csv")}-${v.replace(/[^\w.-]/g, "_")}.csv`);
  const firstFix = new Map<string, number>();
  let fleetEnd = -Infinity;
  for (const [v, list] of rowsOf) {
    writeFileSync(trackOf(v), [header, ...list].join("\n"));
    const points = parseCsvLines([header!, ...list], v).points;
    firstFix.set(v, points[0]?.ts ?? 0);
    fleetEnd = Math.max(fleetEnd, points.at(-1)?.ts ?? -Infinity);
  }
  const fleetStart = Math.min(...firstFix.values());

  const registry = path.join(opts.dataDir, `fleet-${path.basename(opts.file)}.json`);
  const known: Record<string, Registration> = existsSync(registry) ? JSON.parse(readFileSync(registry, "utf8")) : {};
  const login = await fetch(`${opts.server}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(opts.admin) });
  if (!login.ok) throw new Error(`cannot sign in to ${opts.server} as ${opts.admin.username} (HTTP ${login.status})`);
  const { token } = (await login.json()) as { token: string };
  const missing = vehicles.filter((v) => !known[v]);
  opts.log.info(`${vehicles.length} vehicles in ${opts.file}; registering ${missing.length}`);
  await mapLimit(missing, opts.concurrency ?? 4, async (v) => {
    const res = await fetch(`${opts.server}/api/v1/vehicles`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ plate: `${opts.platePrefix}${v}`.slice(0, 20), kind: "bus" }),
    });
    if (res.status !== 201) throw new Error(`registering vehicle ${v}: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { id: string; agent: { password: string } };
    known[v] = { id: body.id, password: body.agent.password };
    writeFileSync(registry, JSON.stringify(known, null, 1));
  });

  const agents: Agent[] = [];
  const started = Date.now();
  const shift = fleetShift(path.join(opts.dataDir, `fleet-${path.basename(opts.file)}.clock.json`), { fleetStart, fleetEnd, startedAt: started, speed: opts.speed });
  const timers: NodeJS.Timeout[] = [];
  const finished = vehicles.map(
    (v) =>
      new Promise<void>((resolve, reject) => {
        const delay = (firstFix.get(v)! - fleetStart) / opts.speed;
        timers.push(
          setTimeout(async () => {
            try {
              const config = agentConfigSchema.parse({
                url: opts.url,
                topicPrefix: opts.topicPrefix ?? "",
                vehicle: known[v]!.id,
                password: known[v]!.password,
                // No `server`: a replayed vehicle has no pass scanner, so it needs no pass key.
                replay: trackOf(v),
                replayFormat: "csv",
                vehicleFilter: v,
                speed: opts.speed,
                replayShift: shift,
                // A fleet starting at once on a busy machine: retry soon rather than back off for a minute.
                reconnectMin: 1,
                reconnectMax: 5,
                plate: `${opts.platePrefix}${v}`.slice(0, 20),
                httpPort: -1,
                terminalQr: false,
                quiet: true,
              });
              const agent = await createAgent({ ...config, outbox: path.join(opts.dataDir, `agent-${known[v]!.id}.sqlite`) }, { ...opts.log, info: () => {} });
              agents.push(agent);
              await agent.start();
              await agent.whenDone();
              resolve();
            } catch (err) {
              reject(err as Error);
            }
          }, Math.max(0, started + delay - Date.now())),
        );
      }),
  );
  return {
    vehicles,
    /** Resolves once every vehicle's file rows are sent and acknowledged by the server. */
    done: Promise.all(finished).then(() => undefined),
    async stop() {
      timers.forEach(clearTimeout);
      await Promise.all(agents.map((a) => a.stop()));
    },
  };
}

/**
 * The one shift every vehicle's times get, chosen at the first run and kept
 * beside the registrations (so a resumed run stamps as the first did): at real
 * speed the file's first fix is stamped when the replay starts; faster, its
 * last fix is stamped when it is sent, and no fix is stamped after the moment
 * it is sent (the server flags fixes from the future).
 */
function fleetShift(file: string, at: { fleetStart: number; fleetEnd: number; startedAt: number; speed: number }): number {
  if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { shift: number }).shift;
  const shift = Math.round(at.startedAt - at.fleetStart - (at.fleetEnd - at.fleetStart) * (1 - 1 / at.speed));
  writeFileSync(file, JSON.stringify({ shift }));
  return shift;
}
