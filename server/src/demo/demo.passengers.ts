import type { DemoApi } from "./demo.api.ts";
import type { DemoVehicle } from "./demo.fleet.ts";
import type { Random } from "./random.ts";

export type BoardingWay = "poster" | "live" | "pass";

interface Passenger {
  phone: string;
  name: string;
  /** The device cookie verifying the phone set (after the first scan): later scans are one tap, as on a phone. */
  cookie?: string;
  pass?: string;
  aboard: boolean;
}

/** The confirmed case the demo seeds: printed at start, ready to trace. */
export const CASE_PHONE = "13800138000";

/**
 * Simulated passengers: every `everyMs` one boards a vehicle with an open trip
 * by the poster code (its code id), the live code on the driver's screen (the
 * token the agent received), or a printed pass read by the agent's scanner;
 * most alight a few minutes later through their own device, some never do.
 * Phone passengers are fewer than 100 so that their first, typed scans stay
 * under the per-address limit that all of them share here; each verifies
 * their phone with the code from the SMS sink after the first scan.
 */
export async function startPassengers(api: DemoApi, random: Random, vehicles: DemoVehicle[], opts: { everyMs: number; timeScale: number }) {
  const counts: Record<BoardingWay, number> = { poster: 0, live: 0, pass: 0 };
  const phoneRiders: Passenger[] = Array.from({ length: 80 }, (_, i) => ({ phone: `1390000${String(i + 1).padStart(4, "0")}`, name: `Rider ${i + 1}`, aboard: false }));
  const passHolders: Passenger[] = [];
  for (let i = 0; i < 20; i++) {
    const phone = `1370000${String(i + 1).padStart(4, "0")}`;
    passHolders.push({ phone, name: `Pass holder ${i + 1}`, pass: (await api.issuePass(phone, `Pass holder ${i + 1}`)).pass, aboard: false });
  }
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => (timers.delete(timer), fn()), ms / opts.timeScale);
    timers.add(timer);
  };

  /** One boarding; true when the server (or, for a pass, the agent) accepted it. */
  async function board(p: Passenger, v: DemoVehicle, way: BoardingWay): Promise<boolean> {
    // A boarding the demo's stop overtook (the seeded case's, between its awaits) is not made: the agents and server are closing.
    if (stopped) return false;
    if (way === "pass") {
      if (v.agent.scan(p.pass!).outcome !== "accepted") return false;
      counts.pass++;
      p.aboard = true;
      later(random.between(60_000, 360_000), () => (p.aboard = false));
      return true;
    }
    const live = v.agent.state().display?.url;
    const code = way === "live" ? live?.slice(live.lastIndexOf("/") + 1) : v.codeId;
    if (!code) return false;
    const res = await api.checkIn(p.cookie ? { code } : { code, phone: p.phone }, p.cookie);
    if (res.status !== 201 && res.status !== 200) return false;
    // A first scan is unverified until the rider types the texted code, as on a phone; that makes the ride theirs.
    if (!res.json.verified) p.cookie = (await api.verifyPhone(p.phone, res.json.checkinId)) ?? undefined;
    counts[way]++;
    p.aboard = true;
    // Seven in ten alight through their device after a ride of 1–6 minutes; the rest never tap again.
    if (random.next() < 0.7 && p.cookie) later(random.between(60_000, 360_000), () => void api.alight(res.json.checkinId, p.cookie!).finally(() => (p.aboard = false)));
    else later(400_000, () => (p.aboard = false));
    return true;
  }

  const riding = () => vehicles.filter((v) => v.agent.trips.current() && v.agent.state().online);

  async function tick() {
    const open = riding();
    if (!open.length) return;
    const v = random.pick(open);
    const roll = random.next();
    const way: BoardingWay = roll < 0.45 ? "poster" : roll < 0.75 ? "live" : "pass";
    const pool = (way === "pass" ? passHolders : phoneRiders).filter((p) => !p.aboard && p.phone !== CASE_PHONE);
    if (!pool.length) return;
    await board(random.pick(pool), v, way).catch(() => false);
  }

  /** The seeded case boards the first bus by its poster, with a fellow passenger by live code and one by pass. */
  async function seedCase(bus: DemoVehicle) {
    const theCase: Passenger = { phone: CASE_PHONE, name: "Demo case", aboard: false };
    await board(theCase, bus, "poster");
    const fellow = phoneRiders[0]!;
    for (let i = 0; i < 20 && !stopped && !(await board(fellow, bus, "live")); i++) await new Promise((r) => setTimeout(r, 500));
    await board(passHolders[0]!, bus, "pass");
  }

  const loop = async () => {
    while (!stopped) {
      await tick();
      await new Promise((r) => setTimeout(r, opts.everyMs / opts.timeScale));
    }
  };
  void loop();
  return {
    counts,
    seedCase,
    stop() {
      stopped = true;
      timers.forEach(clearTimeout);
    },
  };
}
