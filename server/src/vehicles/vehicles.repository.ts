import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, ne, sql, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { StaffUser } from "../context.ts";
import type { Db } from "../db/client.ts";
import { vehicleCodes, vehicles, vehicleState, operators } from "../db/schema/index.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { isUniqueViolation } from "../db/db-errors.ts";
import { generateSecret, hashPassword } from "../crypto/passwords.ts";

export type VehicleKind = "bus" | "taxi" | "ride_hail" | "coach";

/** A poster code id: 128 random bits, URL-safe (DESIGN §6 asks for ≥ 96). */
export const newCodeId = () => randomBytes(16).toString("base64url");

const vehicleColumns = {
  id: vehicles.id,
  plate: vehicles.plate,
  kind: vehicles.kind,
  operatorId: vehicles.operatorId,
  operator: operators.name,
  routeId: vehicles.routeId,
  capacity: vehicles.capacity,
  createdAt: vehicles.createdAt,
  retiredAt: vehicles.retiredAt,
};

const NO_OPERATOR = "00000000-0000-0000-0000-000000000000";
const plateTaken = (plate: string) => conflict("plate_taken", `A vehicle in service with plate ${plate} is already registered in this fleet; correct or retire that one first`);

/** Turns the unique index's refusal (a race past the check) into the same 409. */
async function uniquePlate<T>(plate: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err, "vehicles_operator_plate_uq")) throw plateTaken(plate);
    throw err;
  }
}

export function createVehiclesRepository({ db, clock }: { db: Db; clock: Clock }) {
  /** What this staff member may see: operators only their own fleet. */
  const scope = (user: StaffUser): SQL | undefined =>
    user.role === "operator" ? eq(vehicles.operatorId, user.operatorId ?? "00000000-0000-0000-0000-000000000000") : undefined;

  const withCode = async <T extends { id: string }>(v: T) => {
    const [code] = await db
      .select({ id: vehicleCodes.id })
      .from(vehicleCodes)
      .where(and(eq(vehicleCodes.vehicleId, v.id), isNull(vehicleCodes.revokedAt)))
      .orderBy(desc(vehicleCodes.createdAt))
      .limit(1);
    return { ...v, codeId: code?.id ?? null };
  };

  /** Is this plate already on a vehicle in service in this fleet (other than `except`)? */
  async function plateInUse(operatorId: string | null, plate: string, except?: string) {
    const [row] = await db
      .select({ id: vehicles.id })
      .from(vehicles)
      .where(
        and(
          sql`coalesce(${vehicles.operatorId}, ${NO_OPERATOR}::uuid) = ${operatorId ?? NO_OPERATOR}::uuid`,
          eq(vehicles.plate, plate),
          isNull(vehicles.retiredAt),
          except ? ne(vehicles.id, except) : undefined,
        ),
      )
      .limit(1);
    return Boolean(row);
  }

  return {
    async register(input: { plate: string; kind: VehicleKind; operatorId: string | null; routeId?: string; capacity?: number }) {
      if (await plateInUse(input.operatorId, input.plate)) throw plateTaken(input.plate);
      const id = uuidv7();
      const agentPassword = generateSecret();
      const codeId = newCodeId();
      await uniquePlate(input.plate, () => db.transaction(async (tx) => {
        await tx.insert(vehicles).values({
          id,
          plate: input.plate,
          kind: input.kind,
          operatorId: input.operatorId,
          routeId: input.routeId ?? null,
          capacity: input.capacity ?? null,
          agentPasswordHash: await hashPassword(agentPassword),
        });
        await tx.insert(vehicleCodes).values({ id: codeId, vehicleId: id, createdAt: clock.now() });
      }));
      return { id, codeId, agentPassword };
    },

    async list(user: StaffUser, filter: { operatorId?: string; routeId?: string } = {}) {
      const conditions = [
        scope(user),
        // Retired vehicles leave every list; their rides stay, reachable by id.
        isNull(vehicles.retiredAt),
        filter.operatorId ? eq(vehicles.operatorId, filter.operatorId) : undefined,
        filter.routeId ? eq(vehicles.routeId, filter.routeId) : undefined,
      ];
      return db
        .select({ ...vehicleColumns, online: vehicleState.online, lastTs: vehicleState.lastTs })
        .from(vehicles)
        .leftJoin(operators, eq(operators.id, vehicles.operatorId))
        .leftJoin(vehicleState, eq(vehicleState.vehicleId, vehicles.id))
        .where(and(...conditions))
        .orderBy(vehicles.plate);
    },

    /** The vehicle if it exists and this staff member may see it; 404 otherwise, 403 for another operator's. */
    async getFor(user: StaffUser, id: string) {
      const [v] = await db
        .select({ ...vehicleColumns, online: vehicleState.online, lastTs: vehicleState.lastTs })
        .from(vehicles)
        .leftJoin(operators, eq(operators.id, vehicles.operatorId))
        .leftJoin(vehicleState, eq(vehicleState.vehicleId, vehicles.id))
        .where(eq(vehicles.id, id));
      if (!v) throw notFound("Vehicle");
      if (user.role === "operator" && v.operatorId !== user.operatorId) throw forbidden("This vehicle belongs to another operator");
      return withCode(v);
    },

    /** Puts the vehicle on a route (null: on none); the caller has checked the staff member may. */
    async assignRoute(id: string, routeId: string | null) {
      await db.update(vehicles).set({ routeId }).where(eq(vehicles.id, id));
    },

    /** Corrects a vehicle's plate, kind or capacity; the caller has checked the staff member may. */
    async update(v: { id: string; operatorId: string | null }, change: { plate?: string; kind?: VehicleKind; capacity?: number | null }) {
      if (change.plate !== undefined && (await plateInUse(v.operatorId, change.plate, v.id))) throw plateTaken(change.plate);
      if (Object.keys(change).length === 0) return;
      await uniquePlate(change.plate ?? "", () => db.update(vehicles).set(change).where(eq(vehicles.id, v.id)));
    },

    /**
     * Takes a vehicle out of service: its codes are revoked (a scan is told
     * the vehicle is retired), its agent can no longer log in, and lists hide
     * it. Its trips and check-ins stay, for tracing. Returns when it was retired.
     */
    async retire(id: string): Promise<Date> {
      const now = clock.now();
      await db.transaction(async (tx) => {
        await tx.update(vehicles).set({ retiredAt: now, status: "retired" }).where(and(eq(vehicles.id, id), isNull(vehicles.retiredAt)));
        await tx.update(vehicleCodes).set({ revokedAt: now }).where(and(eq(vehicleCodes.vehicleId, id), isNull(vehicleCodes.revokedAt)));
      });
      return now;
    },

    /** Issues a new agent password (the old one stops working); returns it, the only time it exists in plaintext. */
    async resetAgentPassword(id: string): Promise<string> {
      const agentPassword = generateSecret();
      await db.update(vehicles).set({ agentPasswordHash: await hashPassword(agentPassword) }).where(eq(vehicles.id, id));
      return agentPassword;
    },

    /** For the agent's MQTT login: the password hash, or null for an unknown vehicle. */
    async agentPasswordHash(id: string): Promise<string | null> {
      if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
      const [v] = await db.select({ hash: vehicles.agentPasswordHash }).from(vehicles).where(and(eq(vehicles.id, id), isNull(vehicles.retiredAt)));
      return v?.hash ?? null;
    },
  };
}

export type VehiclesRepository = ReturnType<typeof createVehiclesRepository>;
