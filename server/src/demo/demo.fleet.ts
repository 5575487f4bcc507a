import { mkdirSync } from "node:fs";
import path from "node:path";
import type { LatLon } from "../../../protocol/index.ts";
import { createAgent, type Agent } from "../../../vehicle-agent/src/agent.ts";
import { agentConfigSchema } from "../../../vehicle-agent/src/config.ts";
import { silentLog } from "../../../vehicle-agent/src/log.ts";
import type { DemoApi } from "./demo.api.ts";
import { wanderingLine } from "./demo.city.ts";
import { tripRun, type ScheduledStop, type TripRun } from "./demo.timetable.ts";
import type { Random } from "./random.ts";

export type DemoKind = "bus" | "taxi" | "ride_hail";

/** One direction of a line as the timetable gives it: its trip ids in order of departure, and how a bus drives one. */
export interface BusWay {
  /** For the trip's orderRef, which GTFS-Realtime publishes as the trip_id. */
  tripIds: string[];
  headsign: string;
  /** The trip's shape; empty when the feed has none (the bus then goes stop to stop). */
  shape: LatLon[];
  stops: ScheduledStop[];
}

/** A bus line: ways[0] outbound, ways[1] inbound. */
export interface BusLine {
  routeId: string;
  name: string;
  ways: [BusWay, BusWay];
}

/** The server flags a fix implying more than 70 m/s as a jump; a sped-up demo bus stays under this. */
const MAX_REPORTED_SPEED = 60;

export interface DemoVehicle {
  id: string;
  plate: string;
  kind: DemoKind;
  codeId: string;
  driver: string;
  agent: Agent;
  line?: BusLine;
  stop(): void;
}

const polyline = (points: LatLon[]) => points.map((p) => `${p.lat},${p.lon}`).join(";");

/**
 * Registers a vehicle through the API (as an operator would) and starts its
 * agent in this process: the real agent code, with its own credentials, its
 * own on-disk outbox, a simulated GPS along its path, over the real broker.
 */
async function startVehicle(api: DemoApi, opts: { kind: DemoKind; plate: string; routeId?: string; path?: LatLon[]; speed: number; driver: string; agentsDir: string }) {
  const registered = await api.registerVehicle({ plate: opts.plate, kind: opts.kind, routeId: opts.routeId, capacity: opts.kind === "bus" ? 60 : 4 });
  const config = {
    ...agentConfigSchema.parse({
      url: api.brokerUrl,
      vehicle: registered.id,
      password: registered.agent.password,
      server: api.base,
      // Without a path the demo reports the vehicle's fixes itself (a bus on its timetable).
      ...(opts.path ? { simulate: polyline(opts.path), simulateSpeed: opts.speed } : {}),
      plate: opts.plate,
      driver: opts.driver,
      httpPort: -1,
      terminalQr: false,
      quiet: true,
      reconnectMin: 1,
      reconnectMax: 5,
    }),
    outbox: path.join(opts.agentsDir, `agent-${registered.id}.sqlite`),
  };
  const agent = await createAgent(config, silentLog);
  await agent.start();
  return { id: registered.id, codeId: registered.code.id, agent };
}

/**
 * Buses run their line back and forth, one timetable trip per way: along the
 * trip's shape, stop to stop in its scheduled times, standing at each stop
 * (demo.timetable.ts); each run is a trip whose orderRef names its timetable
 * trip. Taxis and ride-hail cars wander and take fares of one to three
 * minutes with gaps between. `timeScale` speeds every vehicle and shortens every wait.
 */
export async function startFleet(api: DemoApi, random: Random, opts: { lines: BusLine[]; buses: number; taxis: number; rideHail: number; timeScale: number; dataDir: string }) {
  const agentsDir = path.join(opts.dataDir, "agents");
  mkdirSync(agentsDir, { recursive: true });
  const vehicles: DemoVehicle[] = [];
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms / opts.timeScale));
  const runs = new Map(opts.lines.map((l) => [l.routeId, l.ways.map((w) => tripRun(w.shape, w.stops, MAX_REPORTED_SPEED / opts.timeScale)) as [TripRun, TripRun]]));

  for (let i = 0; i < opts.buses && opts.lines.length; i++) {
    const line = opts.lines[i % opts.lines.length]!;
    // Alternate buses start from the other end, so a line has buses both ways at once.
    let way = (Math.floor(i / opts.lines.length) % 2) as 0 | 1;
    const plate = `鲁A·B${String(i + 1).padStart(3, "0")}`;
    const driver = `D-B${String(i + 1).padStart(3, "0")}`;
    const v = await startVehicle(api, { kind: "bus", plate, routeId: line.routeId, speed: 0, driver, agentsDir });
    // Buses of a line take its timetable trips in turn, each bus from its own place in the list.
    let n = Math.floor(i / opts.lines.length);
    let leg = { run: runs.get(line.routeId)![way], startedAt: Date.now() };
    const startLeg = () => {
      const w = line.ways[way];
      const tripId = w.tripIds.length ? w.tripIds[n++ % w.tripIds.length]!.slice(0, 64) : undefined;
      v.agent.trips.start({ routeId: line.routeId, direction: w.headsign.slice(0, 64), orderRef: tripId, driverId: driver });
      leg = { run: runs.get(line.routeId)![way], startedAt: Date.now() };
    };
    const drive = () => {
      const t = ((Date.now() - leg.startedAt) / 1000) * opts.timeScale;
      if (t >= leg.run.duration) {
        way = way === 0 ? 1 : 0;
        startLeg();
      }
      const at = leg.run.at(((Date.now() - leg.startedAt) / 1000) * opts.timeScale);
      v.agent.reportFix({ ts: Date.now(), lat: at.lat, lon: at.lon, speed: Math.min(200, at.speed * opts.timeScale), heading: at.heading, accuracy: 5 });
    };
    startLeg();
    drive();
    const ticker = setInterval(drive, 1000);
    vehicles.push({ ...v, plate, kind: "bus", driver, line, stop: () => clearInterval(ticker) });
  }

  const cars: [DemoKind, number, string][] = [
    ["taxi", opts.taxis, "T"],
    ["ride_hail", opts.rideHail, "R"],
  ];
  for (const [kind, count, letter] of cars) {
    for (let i = 0; i < count; i++) {
      const plate = `鲁A·${letter}${String(i + 1).padStart(3, "0")}`;
      const driver = `D-${letter}${String(i + 1).padStart(3, "0")}`;
      const v = await startVehicle(api, { kind, plate, path: wanderingLine(random, 6), speed: random.between(8, 12) * opts.timeScale, driver, agentsDir });
      let fare = 0;
      let stopped = false;
      const nextFare = () => {
        if (stopped) return;
        v.agent.trips.start({ orderRef: `${letter}${i + 1}-F${++fare}`, driverId: driver });
        later(random.between(60_000, 180_000), () => {
          if (stopped) return;
          v.agent.trips.end();
          later(random.between(10_000, 40_000), nextFare);
        });
      };
      // The first fares begin within the first half minute, staggered.
      later(random.between(0, 20_000), nextFare);
      vehicles.push({ ...v, plate, kind, driver, stop: () => (stopped = true) });
    }
  }

  return {
    vehicles,
    async stop() {
      timers.forEach(clearTimeout);
      for (const v of vehicles) {
        v.stop();
        await v.agent.stop();
      }
    },
  };
}
