import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import type { Config } from "../config.ts";
import { importGtfsFeed } from "../gtfs/gtfs.import.ts";
import { createNetworkRepository } from "../gtfs/network.repository.ts";
import { BrokerPortInUseError } from "../mqtt/embedded-broker.ts";
import { startServer, type RunningServer } from "../server.ts";
import { demoApi } from "./demo.api.ts";
import { generatedCityFeed } from "./demo.city.ts";
import { startFleet, type BusLine, type BusWay } from "./demo.fleet.ts";
import { startPassengers } from "./demo.passengers.ts";
import { seededRandom } from "./random.ts";
import type { ScheduledStop } from "./demo.timetable.ts";

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
  };
}

/**
 * The buses' lines from the imported feed: for each route and direction, the
 * timetable's trip ids in order of departure, and one of its trips as a bus
 * drives it — the trip's own shape (or its stops in order, without one) and
 * its stop times, counted from its first departure. A route with trips one
 * way only runs the same trip backwards on the way back.
 */
async function busLines(network: ReturnType<typeof createNetworkRepository>): Promise<BusLine[]> {
  const lines: BusLine[] = [];
  for (const route of await network.listRoutes()) {
    const trips = (await network.routeTimetable(route.id)).filter((t) => t.stopTimes.filter((s) => s.lat !== null && s.lon !== null).length > 1);
    if (!trips.length) continue;
    const shapes = new Map((await network.getRoute(route.id))?.shapes.map((s) => [s.id, s.points.map(([lon, lat]) => ({ lat, lon }))]) ?? []);
    const departure = (t: (typeof trips)[number]) => t.stopTimes[0]!.departure ?? t.stopTimes[0]!.arrival ?? 0;
    const way = (d: 0 | 1): BusWay | null => {
      const own = trips.filter((t) => (t.directionId ?? 0) === d).sort((a, b) => departure(a) - departure(b));
      const sample = own[0];
      if (!sample) return null;
      const placed = sample.stopTimes.filter((s) => s.lat !== null && s.lon !== null);
      const t0 = departure(sample);
      let last = 0;
      const stops: ScheduledStop[] = placed.map((s) => {
        // A stop time may leave its times out (only timepoints must have them): it is passed on the way.
        const arrival = Math.max(last, (s.arrival ?? s.departure ?? last + t0) - t0);
        const leave = Math.max(arrival, (s.departure ?? s.arrival ?? arrival + t0) - t0);
        last = leave;
        return { lat: s.lat!, lon: s.lon!, arrival, departure: leave };
      });
      return { tripIds: own.map((t) => t.id), headsign: sample.headsign ?? (d === 0 ? "outbound" : "inbound"), shape: (sample.shapeId && shapes.get(sample.shapeId)) || [], stops };
    };
    const reversed = (w: BusWay): BusWay => {
      const total = w.stops.at(-1)!.departure;
      return { ...w, shape: [...w.shape].reverse(), stops: [...w.stops].reverse().map((s) => ({ ...s, arrival: total - s.departure, departure: total - s.arrival })) };
    };
    const [outbound, inbound] = [way(0), way(1)];
    const first = (outbound ?? inbound)!;
    lines.push({ routeId: route.id, name: route.shortName ?? route.id, ways: [first, outbound && inbound ? inbound : reversed(first)] });
  }
  return lines;
}

/**
 * The whole system with a simulated city: the real server (server.ts) on an
 * embedded database in DATA_DIR/demo (laid anew each start, so a seed gives the
 * same city) and the embedded broker, a timetable imported as an operator's
 * would be, and the fleet and passengers of demo.fleet.ts and demo.passengers.ts.
 */
export async function startDemo(config: Config, options: DemoOptions, logger = pino({ level: "silent" }), onServerUp: (adminPassword: string) => void = () => {}) {
  const dataDir = path.join(config.dataDir, "demo");
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
  onServerUp(demoConfig.adminPassword!);
  try {
    const random = seededRandom(options.seed);
    const feed = options.gtfs ? readFileSync(options.gtfs) : generatedCityFeed(random);
    await importGtfsFeed(server.deps.db, feed);
    const lines = await busLines(createNetworkRepository(server.deps));
    const api = await demoApi(`http://127.0.0.1:${server.port}`, server.messaging.brokerUrl, { username: "admin", password: demoConfig.adminPassword! });
    const fleet = await startFleet(api, random, { lines, buses: options.buses, taxis: options.taxis, rideHail: options.rideHail, timeScale: options.timeScale, dataDir });
    const passengers = await startPassengers(api, random, fleet.vehicles, { everyMs: options.boardEveryMs, timeScale: options.timeScale });
    const firstBus = fleet.vehicles.find((v) => v.kind === "bus") ?? fleet.vehicles[0];
    const caseSeeded = firstBus ? untilReady(firstBus).then(() => passengers.seedCase(firstBus)) : Promise.resolve();
    return {
      server,
      api,
      fleet,
      passengers,
      lines,
      caseSeeded,
      adminPassword: demoConfig.adminPassword!,
      async stop() {
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

/** Waits until a vehicle's agent is online, has a trip open and shows a live code. */
async function untilReady(v: { agent: { state(): { online: boolean; display: unknown }; trips: { current(): unknown } } }) {
  for (let i = 0; i < 600; i++) {
    const s = v.agent.state();
    if (s.online && s.display && v.agent.trips.current()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

