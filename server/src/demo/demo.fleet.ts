import { mkdirSync } from "node:fs";
import path from "node:path";
import { distanceM, type LatLon } from "../../../protocol/index.ts";
import { createAgent, type Agent } from "../../../vehicle-agent/src/agent.ts";
import { agentConfigSchema } from "../../../vehicle-agent/src/config.ts";
import { silentLog } from "../../../vehicle-agent/src/log.ts";
import type { DemoApi } from "./demo.api.ts";
import { wanderingLine } from "./demo.city.ts";
import type { Random } from "./random.ts";

export type DemoKind = "bus" | "taxi" | "ride_hail";

/** A bus's line as the timetable gives it: the outbound shape, its timetable trips and speed. */
export interface BusLine {
  routeId: string;
  name: string;
  shape: LatLon[];
  /** Timetable trip ids by direction (0 outbound, 1 inbound), for GTFS-Realtime to name. */
  tripIds: [string[], string[]];
  headsigns: [string, string];
  /** Metres per second, from the timetable: shape length over scheduled running time. */
  speed: number;
}

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
const lengthOf = (points: LatLon[]) => points.slice(1).reduce((sum, p, i) => sum + distanceM(points[i]!, p), 0);

/**
 * Registers a vehicle through the API (as an operator would) and starts its
 * agent in this process: the real agent code, with its own credentials, its
 * own on-disk outbox, a simulated GPS along its path, over the real broker.
 */
async function startVehicle(api: DemoApi, opts: { kind: DemoKind; plate: string; routeId?: string; path: LatLon[]; speed: number; driver: string; agentsDir: string }) {
  const registered = await api.registerVehicle({ plate: opts.plate, kind: opts.kind, routeId: opts.routeId, capacity: opts.kind === "bus" ? 60 : 4 });
  const config = {
    ...agentConfigSchema.parse({
      url: api.brokerUrl,
      vehicle: registered.id,
      password: registered.agent.password,
      server: api.base,
      simulate: polyline(opts.path),
      simulateSpeed: opts.speed,
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
 * Buses run their line back and forth, one timetable trip per way (the trip
 * names its timetable trip as orderRef); taxis and ride-hail cars wander and
 * take fares of one to three minutes with gaps between. `timeScale` speeds
 * every vehicle and shortens every wait.
 */
export async function startFleet(api: DemoApi, random: Random, opts: { lines: BusLine[]; buses: number; taxis: number; rideHail: number; timeScale: number; dataDir: string }) {
  const agentsDir = path.join(opts.dataDir, "agents");
  mkdirSync(agentsDir, { recursive: true });
  const vehicles: DemoVehicle[] = [];
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms / opts.timeScale));

  for (let i = 0; i < opts.buses && opts.lines.length; i++) {
    const line = opts.lines[i % opts.lines.length]!;
    // Alternate buses start from the other end, so a line has buses both ways at once.
    const direction = (Math.floor(i / opts.lines.length) % 2) as 0 | 1;
    const pathOut = direction === 0 ? line.shape : [...line.shape].reverse();
    const plate = `鲁A·B${String(i + 1).padStart(3, "0")}`;
    const driver = `D-B${String(i + 1).padStart(3, "0")}`;
    const v = await startVehicle(api, { kind: "bus", plate, routeId: line.routeId, path: pathOut, speed: line.speed * opts.timeScale, driver, agentsDir });
    const legMs = (lengthOf(line.shape) / line.speed) * 1000;
    let way = direction;
    let n = i;
    let stopped = false;
    const runLeg = () => {
      if (stopped) return;
      const trips = line.tripIds[way];
      v.agent.trips.start({ routeId: line.routeId, direction: line.headsigns[way].slice(0, 64), orderRef: trips.length ? trips[n++ % trips.length]!.slice(0, 64) : undefined, driverId: driver });
      way = way === 0 ? 1 : 0;
      later(legMs, runLeg);
    };
    runLeg();
    vehicles.push({ ...v, plate, kind: "bus", driver, line, stop: () => (stopped = true) });
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
