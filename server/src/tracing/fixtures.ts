import { sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { createTestApp } from "../../test/harness.ts";
import type { AppDeps } from "../context.ts";
import { encrypt, lookupHash } from "../crypto/personal-data.ts";
import { checkins, persons, positions, trips, vehicles } from "../db/schema/index.ts";
import type { VehicleKind } from "./tracing.rules.ts";

/**
 * Test scenarios written in minutes after `t0`, inserted as the stored rows
 * ingest and the check-in path would write. Names ("P", "bus1") map to ids.
 */
export function scenario(deps: Pick<AppDeps, "db" | "keys">, t0: Date) {
  const ids = new Map<string, string>();
  const id = (name: string) => ids.get(name) ?? (ids.set(name, uuidv7()), ids.get(name)!);
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  let phoneSeq = 0;

  return {
    id,
    at,
    /** Name of the row with this id, for reading results back in the scenario's words. */
    nameOf: (uuid: string | null) => [...ids].find(([, v]) => v === uuid)?.[0] ?? uuid,

    async clear() {
      // DELETE, not TRUNCATE: on PostgreSQL truncating every day partition costs far more than these few rows.
      for (const table of ["checkins", "positions", "trips", "persons", "vehicle_codes", "vehicle_state", "vehicles", "audit_log", "trace_persons", "traces", "person_status_changes", "recent_scans"]) {
        await deps.db.execute(sql.raw(`delete from ${table}`));
      }
      ids.clear();
      phoneSeq = 0;
    },

    async vehicle(name: string, kind: VehicleKind = "bus", capacity: number | null = null, operatorId: string | null = null) {
      await deps.db.insert(vehicles).values({ id: id(name), plate: `TEST-${name}`, kind, capacity, operatorId, agentPasswordHash: "-" });
    },

    async person(name: string, opts: { phone?: string; displayName?: string } = {}) {
      const phone = opts.phone ?? `+8613900${String(++phoneSeq).padStart(6, "0")}`;
      await deps.db.insert(persons).values({
        id: id(name),
        phoneHash: lookupHash(deps.keys.phoneHash, phone),
        phoneEnc: encrypt(deps.keys.personalData, phone),
        nameEnc: encrypt(deps.keys.personalData, opts.displayName ?? name),
      });
      return phone;
    },

    async trip(name: string, vehicle: string, start: number | null, end: number | null, driver: string | null = null) {
      await deps.db.insert(trips).values({ id: id(name), vehicleId: id(vehicle), startedAt: start === null ? null : at(start), endedAt: end === null ? null : at(end), driverId: driver });
    },

    /** Late delivery of a trip event: the row exists, now it learns its start or end. */
    async tripEvent(name: string, vehicle: string, event: "start" | "end", minute: number, driver: string | null = null) {
      const value = event === "start" ? { startedAt: at(minute), driverId: driver } : { endedAt: at(minute) };
      await deps.db
        .insert(trips)
        .values({ id: id(name), vehicleId: id(vehicle), ...value })
        .onConflictDoUpdate({ target: [trips.vehicleId, trips.id], set: value });
    },

    async checkin(name: string, person: string, vehicle: string, boarded: number, opts: { alight?: number; seat?: string } = {}) {
      await deps.db.insert(checkins).values({
        id: id(name),
        personId: id(person),
        vehicleId: id(vehicle),
        boardedAt: at(boarded),
        alightedAt: opts.alight === undefined ? null : at(opts.alight),
        seat: opts.seat ?? null,
        source: "scan",
      });
    },

    /** Fixes every `every` minutes over [from, to], moving east along a straight line. */
    async track(vehicle: string, from: number, to: number, every = 0.5, flagged: number[] = []) {
      const rows = [];
      for (let m = from; m <= to + 1e-9; m += every) {
        rows.push({ vehicleId: id(vehicle), ts: at(m), lat: 36.65, lon: 117 + m / 1000, flag: flagged.includes(m) ? "jump" : null });
      }
      if (rows.length) await deps.db.insert(positions).values(rows);
    },
  };
}

export type Scenario = ReturnType<typeof scenario>;

/** A test app with a scenario over its database and a signed-in tracer: what every tracing test starts from. */
export async function tracingTestApp(opts: { now: string; t0: Date }) {
  const t = await createTestApp({ now: opts.now });
  const s = scenario(t.deps, opts.t0);
  const tracer = { authorization: (await t.staff("tracer")).authorization };
  return { t, s, tracer };
}
