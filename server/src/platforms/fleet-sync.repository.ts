import { and, asc, eq, gt, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { auditLog, operators, vehicleCodes, vehicles } from "../db/schema/index.ts";
import { AppError, badRequest, conflict, notFound } from "../errors.ts";
import { plateKey, platesInUse } from "../vehicles/plates.ts";
import { newCodeId, type VehicleKind } from "../vehicles/vehicles.repository.ts";
import { auditRow, type Actor } from "./audit-row.ts";

/** Largest batch one PUT may carry: 5,000 cars fit in one transaction of a few multi-row statements and ~400 KB of JSON. */
export const MAX_BATCH = 5000;

/**
 * The agent password hash of a car a platform registered in bulk: no login
 * verifies against it (verifyPassword knows only scrypt$…). Hashing 5,000
 * passwords with scrypt would take minutes, and most ride-hail cars have no
 * onboard unit but the driver's phone; the platform asks for a car's agent
 * credentials when it has one (POST …/vehicles/{vehicleId}/agent).
 */
export const NO_AGENT_LOGIN = "none";

/** Rows per multi-row statement: 8 parameters a row stays far below PostgreSQL's 65,535 per statement. */
const CHUNK = 2000;

export interface FleetItem {
  externalId: string;
  plate: string;
  kind: VehicleKind;
  routeId?: string | null;
  capacity?: number | null;
  status?: "active" | "retired";
}

export interface FleetVehicle {
  id: string;
  externalId: string | null;
  plate: string;
  kind: VehicleKind;
  routeId: string | null;
  capacity: number | null;
  status: "active" | "pending" | "rejected" | "retired";
  codeId: string | null;
  createdAt: Date;
  retiredAt: Date | null;
}

const chunks = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));

export function createFleetSyncRepository({ db, clock }: { db: Db; clock: Clock }) {
  const columns = {
    id: vehicles.id,
    externalId: vehicles.externalId,
    plate: vehicles.plate,
    kind: vehicles.kind,
    routeId: vehicles.routeId,
    capacity: vehicles.capacity,
    status: vehicles.status,
    codeId: vehicleCodes.id,
    createdAt: vehicles.createdAt,
    retiredAt: vehicles.retiredAt,
  };
  /** Each vehicle with its one unrevoked poster code (rotation keeps exactly one). */
  const withCode = (tx: Pick<Db, "select">, where: SQL | undefined) =>
    tx
      .select(columns)
      .from(vehicles)
      .leftJoin(vehicleCodes, and(eq(vehicleCodes.vehicleId, vehicles.id), isNull(vehicleCodes.revokedAt)))
      .where(where);

  async function operatorExists(tx: Pick<Db, "select">, operatorId: string) {
    const [op] = await tx.select({ id: operators.id }).from(operators).where(eq(operators.id, operatorId));
    if (!op) throw notFound("Operator");
  }

  return {
    /**
     * A fleet system's batch: creates the cars it has not sent before, updates
     * those that changed, retires those marked retired, all keyed by the
     * platform's own externalId, so the same batch sent twice changes nothing.
     * One transaction of a few multi-row statements, whatever the batch size;
     * one audit row names the key (or staff member) and what changed.
     */
    async upsert(operatorId: string, items: FleetItem[], actor: Actor) {
      const seen = new Set<string>();
      const dupes = items.filter((i) => (seen.has(i.externalId) ? true : (seen.add(i.externalId), false))).map((i) => i.externalId);
      if (dupes.length) throw badRequest("duplicate_in_batch", `The batch names these externalIds more than once: ${dupes.slice(0, 20).join(", ")}`, { externalIds: dupes.slice(0, 100) });
      const inService = items.filter((i) => (i.status ?? "active") === "active");
      const byPlate = new Map<string, string>();
      const samePlate: string[] = [];
      for (const i of inService) {
        const key = plateKey(i.plate);
        if (byPlate.has(key)) samePlate.push(i.plate);
        else byPlate.set(key, i.externalId);
      }
      if (samePlate.length) throw badRequest("duplicate_in_batch", `The batch gives these plates to more than one car: ${samePlate.slice(0, 20).join(", ")}`, { plates: samePlate.slice(0, 100) });

      const now = clock.now();
      return db.transaction(async (tx) => {
        await operatorExists(tx, operatorId);
        // A plate already on another of this operator's cars in service (one the batch does not itself re-key) is refused.
        const taken = (await platesInUse(tx, inService.map((i) => i.plate), { operatorId })).filter((v) => !v.externalId || !seen.has(v.externalId));
        if (taken.length) {
          throw new AppError(409, "plate_taken", `These plates are already on other vehicles of this operator: ${taken.slice(0, 20).map((v) => v.plate).join(", ")}`, {
            plates: taken.slice(0, 100).map((v) => ({ plate: v.plate, vehicleId: v.vehicleId, externalId: v.externalId })),
          });
        }
        const created: string[] = [];
        let updated = 0;
        for (const part of chunks(items)) {
          const rows = part.map((i) => {
            const retired = i.status === "retired";
            return {
              id: uuidv7(),
              plate: i.plate,
              kind: i.kind,
              operatorId,
              externalId: i.externalId,
              routeId: i.routeId ?? null,
              capacity: i.capacity ?? null,
              agentPasswordHash: NO_AGENT_LOGIN,
              status: retired ? ("retired" as const) : ("active" as const),
              retiredAt: retired ? now : null,
              createdAt: now,
            };
          });
          const changed = await tx
            .insert(vehicles)
            .values(rows)
            .onConflictDoUpdate({
              target: [vehicles.operatorId, vehicles.externalId],
              targetWhere: sql`${vehicles.externalId} is not null`,
              set: {
                plate: sql`excluded.plate`,
                kind: sql`excluded.kind`,
                routeId: sql`excluded.route_id`,
                capacity: sql`excluded.capacity`,
                status: sql`excluded.status`,
                // A car retired again keeps the time it was first retired.
                retiredAt: sql`case when excluded.status = 'retired' then coalesce(${vehicles.retiredAt}, excluded.retired_at) end`,
              },
              // Only rows that differ are written (and returned): re-sending a batch writes nothing.
              setWhere: sql`(${vehicles.plate}, ${vehicles.kind}, ${vehicles.routeId}, ${vehicles.capacity}, ${vehicles.status})
                is distinct from (excluded.plate, excluded.kind, excluded.route_id, excluded.capacity, excluded.status)`,
            })
            .returning({ id: vehicles.id, inserted: sql<boolean>`(xmax = 0)` });
          const fresh = changed.filter((r) => r.inserted).map((r) => r.id);
          created.push(...fresh);
          updated += changed.length - fresh.length;
          if (fresh.length) await tx.insert(vehicleCodes).values(fresh.map((vehicleId) => ({ id: newCodeId(), vehicleId, createdAt: now })));
        }
        const retired = items.filter((i) => i.status === "retired").length;
        await tx.insert(auditLog).values(
          auditRow(clock, actor, "fleet.upsert", { operatorId, sent: items.length, created: created.length, updated, retired }),
        );
        const result: FleetVehicle[] = [];
        for (const part of chunks(items)) {
          result.push(...(await withCode(tx, and(eq(vehicles.operatorId, operatorId), inArray(vehicles.externalId, part.map((i) => i.externalId))))));
        }
        return { created: created.length, updated, unchanged: items.length - created.length - updated, vehicles: result };
      });
    },

    /** The operator's vehicles in id order (ids are time-ordered uuid v7), a page at a time. */
    async list(operatorId: string, opts: { status?: FleetVehicle["status"]; after?: string; limit: number }) {
      const rows = await withCode(
        db,
        and(eq(vehicles.operatorId, operatorId), opts.status ? eq(vehicles.status, opts.status) : undefined, opts.after ? gt(vehicles.id, opts.after) : undefined),
      )
        .orderBy(asc(vehicles.id))
        .limit(opts.limit + 1);
      const page = rows.slice(0, opts.limit);
      return { vehicles: page, next: rows.length > opts.limit ? page[page.length - 1]!.id : null };
    },

    /** One of the operator's vehicles, or 404 (another operator's car is not found here, so its existence does not leak). */
    async get(operatorId: string, vehicleId: string): Promise<FleetVehicle> {
      const [v] = await withCode(db, and(eq(vehicles.operatorId, operatorId), eq(vehicles.id, vehicleId)));
      if (!v) throw notFound("Vehicle");
      return v;
    },

    /**
     * Moves a car, with its poster code, agent login and history, to another
     * operator: the only way a code follows a car to another platform (a
     * batch from the new platform registers a new car with a new code).
     */
    async transfer(operatorId: string, vehicleId: string, to: { operatorId: string; externalId: string | null }, actor: Actor, reason: string) {
      return db.transaction(async (tx) => {
        const [v] = await tx
          .select({ id: vehicles.id, plate: vehicles.plate, status: vehicles.status, externalId: vehicles.externalId })
          .from(vehicles)
          .where(and(eq(vehicles.id, vehicleId), eq(vehicles.operatorId, operatorId)))
          .for("update");
        if (!v) throw notFound("Vehicle");
        if (to.operatorId === operatorId) throw badRequest("invalid_request", "The vehicle already belongs to this operator");
        await operatorExists(tx, to.operatorId);
        if (v.status === "active" || v.status === "pending") {
          const taken = await platesInUse(tx, [v.plate], { operatorId: to.operatorId });
          if (taken.length) throw conflict("plate_taken", `The receiving operator already has a vehicle with the plate ${v.plate} in service`);
        }
        if (to.externalId) {
          const [clash] = await tx
            .select({ id: vehicles.id })
            .from(vehicles)
            .where(and(eq(vehicles.operatorId, to.operatorId), eq(vehicles.externalId, to.externalId)));
          if (clash) throw conflict("duplicate_in_batch", "The receiving operator already uses this externalId");
        }
        await tx.update(vehicles).set({ operatorId: to.operatorId, externalId: to.externalId }).where(eq(vehicles.id, vehicleId));
        await tx.insert(auditLog).values(
          auditRow(clock, actor, "fleet.transfer", { vehicleId, from: operatorId, to: to.operatorId, fromExternalId: v.externalId, toExternalId: to.externalId }, reason),
        );
        return { id: vehicleId, operatorId: to.operatorId, externalId: to.externalId };
      });
    },
  };
}

export type FleetSyncRepository = ReturnType<typeof createFleetSyncRepository>;
