import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { StaffUser } from "../context.ts";
import type { Db } from "../db/client.ts";
import { vehicleCodes, vehicles, vehicleState, operators } from "../db/schema/index.ts";
import { forbidden, notFound } from "../errors.ts";
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
};

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

  return {
    async register(input: { plate: string; kind: VehicleKind; operatorId: string | null; routeId?: string; capacity?: number }) {
      const id = uuidv7();
      const agentPassword = generateSecret();
      const codeId = newCodeId();
      await db.transaction(async (tx) => {
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
      });
      return { id, codeId, agentPassword };
    },

    async list(user: StaffUser, filter: { operatorId?: string; routeId?: string } = {}) {
      const conditions = [
        scope(user),
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

    /** Issues a new agent password (the old one stops working); returns it, the only time it exists in plaintext. */
    async resetAgentPassword(id: string): Promise<string> {
      const agentPassword = generateSecret();
      await db.update(vehicles).set({ agentPasswordHash: await hashPassword(agentPassword) }).where(eq(vehicles.id, id));
      return agentPassword;
    },

    /** For the agent's MQTT login: the password hash, or null for an unknown vehicle. */
    async agentPasswordHash(id: string): Promise<string | null> {
      if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
      const [v] = await db.select({ hash: vehicles.agentPasswordHash }).from(vehicles).where(eq(vehicles.id, id));
      return v?.hash ?? null;
    },
  };
}

export type VehiclesRepository = ReturnType<typeof createVehiclesRepository>;
