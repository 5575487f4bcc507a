import { mkdirSync } from "node:fs";
import path from "node:path";
import { distanceM, type LatLon } from "../../../protocol/index.ts";
import { createAgent, type Agent } from "../../../vehicle-agent/src/agent.ts";
import { agentConfigSchema } from "../../../vehicle-agent/src/config.ts";
import { bearing } from "../../../vehicle-agent/src/gps/simulate.ts";
import { silentLog } from "../../../vehicle-agent/src/log.ts";
import type { DemoApi } from "./demo.api.ts";
import { CITY_CENTRE, wanderingLine } from "./demo.city.ts";
import { feedCentre } from "./demo.feed.ts";
import { createDispatcher, type Assignment, type Dispatcher, type Timetable, type TimetableTrip } from "./demo.schedule.ts";
import { tripRun, type TripRun } from "./demo.timetable.ts";
import type { Random } from "./random.ts";

export type DemoKind = "bus" | "taxi" | "ride_hail";

/** The server flags a fix implying more than 70 m/s as a jump; a sped-up demo bus stays under this. */
const MAX_REPORTED_SPEED = 60;
/** An empty bus drives straight to its next first stop at this speed (m/s), when that lies away from where it is. */
const DEADHEAD_SPEED = 10;

export interface DemoVehicle {
  id: string;
  plate: string;
  kind: DemoKind;
  codeId: string;
  driver: string;
  agent: Agent;
  routeId?: string;
  /** A bus's trips so far: the timetable's trip, its service day, and how the bus came to run it. */
  runs?: { tripId: string; date: string; how: Assignment["how"]; departAt: number; start: number; end: number }[];
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
 * A bus on the timetable: it runs its trip (demo.timetable.ts: the trip's
 * shape, stop to stop in its running times) as a trip whose orderRef names the
 * timetable's trip, then closes it and takes the next one the dispatcher
 * gives (demo.schedule.ts), standing at the first stop — or driving there
 * empty — until it leaves. `demoNow` is the demo's clock, `timeScale` times
 * as fast as the real one; fixes carry real time.
 */
function driveBus(
  v: { agent: Agent },
  bus: { label: string; routeId: string; driver: string; first: Assignment; runs: NonNullable<DemoVehicle["runs"]> },
  deps: { dispatcher: Dispatcher; runOf: (trip: TimetableTrip) => TripRun; demoNow: () => number; timeScale: number },
) {
  const { dispatcher, demoNow, timeScale } = deps;
  const deadhead = Math.min(DEADHEAD_SPEED, MAX_REPORTED_SPEED / timeScale);
  let job: Assignment | null = null;
  let run!: TripRun;
  let driving = false;
  let departAt = 0;
  let from: LatLon = bus.first.instance.trip.stops[0]!;
  let since = demoNow();
  let lastAsked = 0;

  const assign = (next: Assignment | null, at: LatLon, now: number) => {
    job = next;
    from = at;
    since = now;
    lastAsked = now;
    if (!next) return;
    run = deps.runOf(next.instance.trip);
    // A bus joining a trip on the road is already where the timetable has it. Otherwise a first stop away from
    // here is reached first, and the trip leaves late if the drive takes longer than the wait.
    departAt = next.how === "running" ? next.departAt : Math.max(next.departAt, now + (distanceM(at, next.instance.trip.stops[0]!) / deadhead) * 1000);
    bus.runs.push({ tripId: next.instance.trip.id, date: next.instance.date, how: next.how, departAt, start: next.instance.start, end: next.instance.end });
  };
  const report = (p: { lat: number; lon: number; speed: number; heading?: number }) =>
    v.agent.reportFix({ ts: Date.now(), lat: p.lat, lon: p.lon, speed: Math.min(200, p.speed * timeScale), ...(p.heading === undefined ? {} : { heading: p.heading }), accuracy: 5 });

  const tick = () => {
    const now = demoNow();
    if (!job) {
      // The route runs nothing in the horizon: stand, and ask again each demo minute.
      if (now - lastAsked >= 60_000) assign(dispatcher.next({ label: bus.label, routeId: bus.routeId, at: from }, now), from, now);
      if (!job) return report({ ...from, speed: 0 });
    }
    const trip = job!.instance.trip;
    if (!driving && now >= departAt) {
      v.agent.trips.start({ routeId: bus.routeId, direction: trip.headsign.slice(0, 64), orderRef: trip.id.slice(0, 64), driverId: bus.driver });
      driving = true;
    }
    if (driving) {
      const t = (now - departAt) / 1000;
      if (t < run.duration) return report(run.at(t));
      v.agent.trips.end();
      driving = false;
      const end = run.at(run.duration);
      assign(dispatcher.next({ label: bus.label, routeId: bus.routeId, at: end }, now), end, now);
      return report({ ...end, speed: 0 });
    }
    // Waiting for the departure: at the first stop, or on the way there.
    const to = trip.stops[0]!;
    const gap = distanceM(from, to);
    const f = gap === 0 ? 1 : Math.min(1, ((now - since) / 1000) * (deadhead / gap));
    report({ lat: from.lat + (to.lat - from.lat) * f, lon: from.lon + (to.lon - from.lon) * f, speed: f < 1 ? deadhead : 0, ...(f < 1 ? { heading: Math.round(bearing(from, to)) } : {}) });
  };
  assign(bus.first, from, demoNow());
  tick();
  const ticker = setInterval(tick, 1000);
  return () => clearInterval(ticker);
}

/**
 * Buses run the timetable: each takes the trips a rider at the stop would see
 * now (demo.schedule.ts), one after another. Taxis and ride-hail cars wander
 * and take fares of one to three minutes with gaps between. `timeScale` speeds
 * every vehicle, the demo's clock and every wait; `say` hears what the
 * dispatcher has to tell (a feed out of date, buses run ahead of time).
 */
export async function startFleet(
  api: DemoApi,
  random: Random,
  opts: { timetable: Timetable; buses: number; taxis: number; rideHail: number; timeScale: number; dataDir: string; say?: (line: string) => void; startAt?: number },
) {
  const agentsDir = path.join(opts.dataDir, "agents");
  mkdirSync(agentsDir, { recursive: true });
  const vehicles: DemoVehicle[] = [];
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms / opts.timeScale));

  // One clock for the whole fleet, planned at one instant: the same seed and start time give the same buses on the same trips.
  // It may start at another time of day than the real one (--clock); fixes and trips still carry real time.
  const realT0 = Date.now();
  const t0 = opts.startAt ?? realT0;
  const demoNow = () => t0 + (Date.now() - realT0) * opts.timeScale;
  const dispatcher = createDispatcher(opts.timetable, { random, say: opts.say });
  const plates = Array.from({ length: opts.buses }, (_, i) => `鲁A·B${String(i + 1).padStart(3, "0")}`);
  const plan = dispatcher.plan(plates, t0);
  const runs = new Map<string, TripRun>();
  const runOf = (trip: TimetableTrip) => {
    let r = runs.get(trip.id);
    if (!r) runs.set(trip.id, (r = tripRun(trip.shape, trip.stops, MAX_REPORTED_SPEED / opts.timeScale)));
    return r;
  };

  for (const [i, first] of plan.entries()) {
    const routeId = first.instance.trip.routeId;
    const plate = plates[i]!;
    const driver = `D-B${String(i + 1).padStart(3, "0")}`;
    const v = await startVehicle(api, { kind: "bus", plate, routeId, speed: 0, driver, agentsDir });
    const busRuns: NonNullable<DemoVehicle["runs"]> = [];
    const stop = driveBus(v, { label: plate, routeId, driver, first, runs: busRuns }, { dispatcher, runOf, demoNow, timeScale: opts.timeScale });
    vehicles.push({ ...v, plate, kind: "bus", driver, routeId, runs: busRuns, stop });
  }

  // Taxis work the feed's city, not the generated one's: a Berlin feed's buses and Jinan's taxis would make a map 7,000 km wide.
  const centre = feedCentre(opts.timetable) ?? CITY_CENTRE;
  const cars: [DemoKind, number, string][] = [
    ["taxi", opts.taxis, "T"],
    ["ride_hail", opts.rideHail, "R"],
  ];
  for (const [kind, count, letter] of cars) {
    for (let i = 0; i < count; i++) {
      const plate = `鲁A·${letter}${String(i + 1).padStart(3, "0")}`;
      const driver = `D-${letter}${String(i + 1).padStart(3, "0")}`;
      const v = await startVehicle(api, { kind, plate, path: wanderingLine(random, 6, centre), speed: random.between(8, 12) * opts.timeScale, driver, agentsDir });
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
    dispatcher,
    /** The demo clock's start, and the clock itself (epoch ms). */
    startedAt: t0,
    demoNow,
    async stop() {
      timers.forEach(clearTimeout);
      for (const v of vehicles) {
        v.stop();
        await v.agent.stop();
      }
    },
  };
}
