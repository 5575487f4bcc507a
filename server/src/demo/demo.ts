import { TZDate } from "@date-fns/tz";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import type { Config } from "../config.ts";
import { lockDataDir } from "../db/data-dir-lock.ts";
import { importGtfsFeed } from "../gtfs/gtfs.import.ts";
import { createNetworkRepository } from "../gtfs/network.repository.ts";
import { BrokerPortInUseError } from "../mqtt/embedded-broker.ts";
import { startServer, type RunningServer } from "../server.ts";
import { demoApi } from "./demo.api.ts";
import { generatedCityFeed } from "./demo.city.ts";
import { startFleet } from "./demo.fleet.ts";
import { loadTimetable } from "./demo.feed.ts";
import { startPassengers } from "./demo.passengers.ts";
import { seededRandom } from "./random.ts";

export interface DemoOptions {
  seed: number;
  /** A GTFS zip whose routes the buses run; absent: a generated city. */
  gtfs?: string;
  buses: number;
  taxis: number;
  rideHail: number;
  /** 1 = real time; 10 = vehicles drive and fares pass ten times as fast. */
  timeScale: number;
  /** A passenger boards every this many ms (of demo time). */
  boardEveryMs: number;
  /** "HH:MM": the demo's clock starts at this time of today in the timetable's zone (rush hour at night); absent: now. */
  clock?: string;
}

export const DEMO_ADMIN_PASSWORD = "demo-admin";

export function parseDemoArgs(argv: string[]): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: "string", default: "1" },
      gtfs: { type: "string" },
      buses: { type: "string", default: "20" },
      taxis: { type: "string", default: "10" },
      "ride-hail": { type: "string", default: "5" },
      "time-scale": { type: "string", default: "1" },
      "board-every": { type: "string", default: "1500" },
      clock: { type: "string" },
    },
  });
  const num = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  return {
    seed: num("seed", values.seed, 0, 2 ** 32 - 1),
    gtfs: values.gtfs,
    buses: num("buses", values.buses, 0, 500),
    taxis: num("taxis", values.taxis, 0, 500),
    rideHail: num("ride-hail", values["ride-hail"], 0, 500),
    timeScale: num("time-scale", values["time-scale"], 0.1, 100),
    boardEveryMs: num("board-every", values["board-every"], 100, 600_000),
    ...(values.clock === undefined ? {} : { clock: clockArg(values.clock) }),
  };
}

function clockArg(v: string): string {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(v);
  if (!m) throw new Error("--clock must be a time of day, HH:MM (for example 08:00)");
  return `${m[1]!.padStart(2, "0")}:${m[2]}`;
}

/** Today's `hh:mm` in `timezone`, as epoch ms. */
function todayAt(clock: string, timezone: string): number {
  const [hh, mm] = clock.split(":").map(Number) as [number, number];
  const today = new TZDate(Date.now(), timezone);
  return new TZDate(today.getFullYear(), today.getMonth(), today.getDate(), hh, mm, timezone).getTime();
}

/**
 * The whole system with a simulated city: the real server (server.ts) on an
 * embedded database in DATA_DIR/demo (laid anew each start, so a seed gives the
 * same city) and the embedded broker, a timetable imported as an operator's
 * would be, and the fleet and passengers of demo.fleet.ts and demo.passengers.ts.
 */
export async function startDemo(
  config: Config,
  options: DemoOptions,
  logger = pino({ level: "silent" }),
  hooks: { onServerUp?: (adminPassword: string) => void; say?: (line: string) => void } = {},
) {
  const dataDir = path.join(config.dataDir, "demo");
  // Laid anew, but never under a demo still running on it (its lock says so: data-dir-lock.ts).
  if (existsSync(dataDir)) lockDataDir(dataDir)();
  rmSync(dataDir, { recursive: true, force: true });
  const demoConfig: Config = { ...config, dataDir, databaseUrl: undefined, databaseRead: undefined, dataKey: undefined, adminPassword: config.adminPassword ?? DEMO_ADMIN_PASSWORD, mqtt: { ...config.mqtt, url: undefined } };
  let server: RunningServer;
  try {
    server = await startServer(demoConfig, logger);
  } catch (err) {
    // The demo's agents run in this process: any free port serves them as well as 1883.
    if (!(err instanceof BrokerPortInUseError)) throw err;
    server = await startServer({ ...demoConfig, mqtt: { ...demoConfig.mqtt, port: 0 } }, logger);
  }
  hooks.onServerUp?.(demoConfig.adminPassword!);
  try {
    const random = seededRandom(options.seed);
    const feed = options.gtfs ? readFileSync(options.gtfs) : generatedCityFeed(random, { buses: options.buses });
    await importGtfsFeed(server.deps.db, feed);
    const timetable = await loadTimetable(createNetworkRepository(server.deps));
    const api = await demoApi(`http://127.0.0.1:${server.port}`, server.messaging.brokerUrl, { username: "admin", password: demoConfig.adminPassword! });
    const say = (line: string) => {
      logger.info(line);
      hooks.say?.(line);
    };
    const startAt = options.clock ? todayAt(options.clock, timetable.timezone) : undefined;
    const fleet = await startFleet(api, random, { timetable, buses: options.buses, taxis: options.taxis, rideHail: options.rideHail, timeScale: options.timeScale, dataDir, say, startAt });
    const passengers = await startPassengers(api, random, fleet.vehicles, { everyMs: options.boardEveryMs, timeScale: options.timeScale });
    // The case rides the first bus with a trip open (a bus may be waiting for its departure), else the first vehicle ready.
    // Stopping while it still waits (a short test, Ctrl-C at start) ends the wait: the agents it asks are closing.
    let stopping = false;
    const caseSeeded = fleet.vehicles.length
      ? untilReady(fleet.vehicles, () => stopping).then(async (v) => {
          // A request cut off by the stop (the server closing under it) is the stop, not a failure.
          if (v && !stopping)
            await passengers.seedCase(v).catch((err: unknown) => {
              if (!stopping) throw err;
            });
        })
      : Promise.resolve();
    return {
      server,
      api,
      fleet,
      passengers,
      /** The routes the buses can run: those of the feed with trips. */
      lines: timetable.routes.map((r) => ({ routeId: r.id, name: r.name })),
      timetable,
      caseSeeded,
      adminPassword: demoConfig.adminPassword!,
      async stop() {
        stopping = true;
        passengers.stop();
        await fleet.stop();
        await server.close();
      },
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}

type Ready = { kind: string; agent: { state(): { online: boolean; display: unknown }; trips: { current(): unknown } } };

/**
 * Waits until a vehicle's agent is online, has a trip open and shows a live
 * code; buses first. Gives up after a minute with the first vehicle, and with
 * null once the demo is stopping.
 */
async function untilReady<V extends Ready>(vehicles: V[], stopping: () => boolean): Promise<V | null> {
  const ordered = [...vehicles.filter((v) => v.kind === "bus"), ...vehicles.filter((v) => v.kind !== "bus")];
  for (let i = 0; i < 600; i++) {
    if (stopping()) return null;
    const ready = ordered.find((v) => {
      const s = v.agent.state();
      return s.online && s.display && v.agent.trips.current();
    });
    if (ready) return ready;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ordered[0]!;
}
