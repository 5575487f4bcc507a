import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { distanceM, type LatLon } from "../../../protocol/index.ts";
import type { Config } from "../config.ts";
import { importGtfsFeed } from "../gtfs/gtfs.import.ts";
import { createNetworkRepository } from "../gtfs/network.repository.ts";
import { BrokerPortInUseError } from "../mqtt/embedded-broker.ts";
import { startServer, type RunningServer } from "../server.ts";
import { demoApi } from "./demo.api.ts";
import { generatedCityFeed } from "./demo.city.ts";
import { startFleet, type BusLine } from "./demo.fleet.ts";
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

/** The buses' lines from the imported feed: each route's outbound shape, timetable trips and scheduled speed. */
async function busLines(network: ReturnType<typeof createNetworkRepository>): Promise<BusLine[]> {
  const lines: BusLine[] = [];
  for (const route of await network.listRoutes()) {
    const trips = (await network.routeTimetable(route.id)).filter((t) => t.stopTimes.length > 1);
    const detail = await network.getRoute(route.id);
    const outbound = trips.find((t) => (t.directionId ?? 0) === 0) ?? trips[0];
    const shape = detail?.shapes.find((s) => s.id === outbound?.shapeId)?.points.map(([lon, lat]) => ({ lat, lon }));
    const path: LatLon[] = shape && shape.length > 1 ? shape : (outbound?.stopTimes.map((s) => ({ lat: s.lat!, lon: s.lon! })) ?? []);
    if (!outbound || path.length < 2) continue;
    const length = path.slice(1).reduce((sum, p, i) => sum + distanceM(path[i]!, p), 0);
    const first = outbound.stopTimes[0]!.departure ?? outbound.stopTimes[0]!.arrival;
    const last = outbound.stopTimes.at(-1)!.arrival ?? outbound.stopTimes.at(-1)!.departure;
    const running = first !== null && last !== null && last > first ? last - first : length / 7;
    const byDeparture = (d: 0 | 1) =>
      trips
        .filter((t) => (t.directionId ?? 0) === d)
        .sort((a, b) => (a.stopTimes[0]!.departure ?? 0) - (b.stopTimes[0]!.departure ?? 0))
        .map((t) => t.id);
    const headsign = (d: 0 | 1) => trips.find((t) => (t.directionId ?? 0) === d)?.headsign ?? (d === 0 ? "outbound" : "inbound");
    lines.push({
      routeId: route.id,
      name: route.shortName ?? route.id,
      shape: path,
      tripIds: [byDeparture(0), byDeparture(1)],
      headsigns: [headsign(0), headsign(1)],
      speed: Math.min(25, Math.max(3, length / running)),
    });
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

