import { eq, sql } from "drizzle-orm";
import { rowsOf, type Db } from "../db/client.ts";
import { persons, vehicles, vehicleState } from "../db/schema/index.ts";
import { pgArray } from "./bulk-query.ts";

// Raw sql`` templates get timestamps as ISO text: drizzle's postgres.js setup does not serialize Date parameters.

/** The low-volume ingest writes: onboard check-ins, presence. Positions and trip events have their own (positions.writer.ts, trip-events.repository.ts). */
export function createIngestRepository({ db }: { db: Db }) {
  /**
   * Many vehicles' statuses in one statement (a batch: ../batcher.ts), then the
   * number online. Statuses are stored concurrently — by other processes, or
   * an offline (a will, a closed connection) and the online of the reconnect
   * right after it in two batches — so they may commit in either order: the
   * one received later wins. Rows in vehicle-id order, as the state writer
   * writes them, so the two never deadlock.
   */
  async function setPresences(statuses: Presence[]): Promise<number> {
    // One row per vehicle (a statement cannot update a row twice): the status received last, with the version last given.
    const latest = new Map<string, Presence>();
    for (const s of statuses) latest.set(s.vehicleId, { ...s, agentVersion: s.agentVersion ?? latest.get(s.vehicleId)?.agentVersion });
    if (latest.size) {
      const rows = [...latest.values()]
        .sort((a, b) => (a.vehicleId < b.vehicleId ? -1 : 1))
        .map((s) => ({ vehicle_id: s.vehicleId, online: s.online, agent_version: s.agentVersion ?? null, status_at: s.at.toISOString() }));
      await db.execute(sql`
        insert into vehicle_state (vehicle_id, online, agent_version, status_at)
        select vehicle_id, online, agent_version, status_at
        from json_to_recordset(${JSON.stringify(rows)}::json) as s(vehicle_id uuid, online boolean, agent_version text, status_at timestamptz)
        on conflict (vehicle_id) do update set online = excluded.online, status_at = excluded.status_at, updated_at = now(),
          agent_version = coalesce(excluded.agent_version, vehicle_state.agent_version)
        where vehicle_state.status_at is null or vehicle_state.status_at <= excluded.status_at`);
    }
    const [row] = rowsOf<{ n: number | string }>(await db.execute(sql`select count(*) as n from vehicle_state where online`));
    return Number(row?.n ?? 0);
  }

  return {
    /** Which of these ids are registered vehicles: one query for a whole batch (vehicle-directory.ts). */
    async knownVehicles(ids: string[]): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const rows = rowsOf<{ id: string }>(await db.execute(sql`select id from ${vehicles} where id = any(${pgArray(ids)}::uuid[])`));
      return new Set(rows.map((r) => r.id));
    },

    async personStatus(personId: string): Promise<"clear" | "close_contact" | "case" | null> {
      const [p] = await db.select({ status: persons.status }).from(persons).where(eq(persons.id, personId));
      return p?.status ?? null;
    },

    /** Idempotent on checkinId. True when this call stored it, false when it was already there. */
    async insertPassCheckin(c: { id: string; vehicleId: string; boardedAt: Date; personId: string; seat?: string }): Promise<boolean> {
      const result = await db.execute(sql`
        insert into checkins (id, vehicle_id, boarded_at, person_id, source, seat)
        select ${c.id}, ${c.vehicleId}, ${c.boardedAt.toISOString()}::timestamptz, ${c.personId}, 'pass', ${c.seat ?? null}
        where not exists (select 1 from checkins where id = ${c.id})
        on conflict do nothing
        returning id`);
      return rowsOf(result).length > 0;
    },

    setPresences,

    setPresence(vehicleId: string, online: boolean, agentVersion: string | undefined, at: Date): Promise<number> {
      return setPresences([{ vehicleId, online, agentVersion, at }]);
    },

    async onlineVehicles(): Promise<string[]> {
      const rows = await db.select({ id: vehicleState.vehicleId }).from(vehicleState).where(eq(vehicleState.online, true));
      return rows.map((r) => r.id);
    },

    /** Which of these vehicles are online: one query for a batch of screens (live-codes.job.ts). */
    async onlineAmong(vehicleIds: string[]): Promise<Set<string>> {
      const rows = rowsOf<{ vehicle_id: string }>(
        await db.execute(sql`select vehicle_id from ${vehicleState} where online and vehicle_id = any(${pgArray(vehicleIds)}::uuid[])`),
      );
      return new Set(rows.map((r) => r.vehicle_id));
    },
  };
}

export type IngestRepository = ReturnType<typeof createIngestRepository>;

/** One vehicle's status as received: `at` is when the server took it. */
export interface Presence {
  vehicleId: string;
  online: boolean;
  agentVersion?: string;
  at: Date;
}
