import { createHash, randomBytes } from "node:crypto";
import { and, count, eq, inArray, ne, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Keys } from "../crypto/keys.ts";
import { decrypt, encrypt, lookupHash } from "../crypto/personal-data.ts";
import type { Db } from "../db/client.ts";
import { auditLog, drivers, vehicleDrivers, vehicles } from "../db/schema/index.ts";
import { AppError, badRequest, conflict, notFound } from "../errors.ts";
import { maskName } from "../persons/phone.ts";
import { auditRow, type Actor } from "./audit-row.ts";

/** How many drivers one vehicle may have: a taxi runs two or three shifts, a ride-hail car is its one driver's. */
export const MAX_DRIVERS: Record<"bus" | "taxi" | "ride_hail" | "coach", number> = { bus: 30, coach: 10, taxi: 3, ride_hail: 1 };

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export function createDriversRepository({ db, clock, keys }: { db: Db; clock: Clock; keys: Keys }) {
  /** A new page link for the driver; only its hash is kept. */
  const newPageToken = () => randomBytes(24).toString("base64url");

  return {
    /** Registers a driver (name and phone encrypted), links their vehicles, and returns their page link once. */
    async create(operatorId: string | null, input: { ref: string; name: string; phone?: string | null; vehicleIds?: string[] }, actor: Actor) {
      const id = uuidv7();
      const token = newPageToken();
      await db.transaction(async (tx) => {
        const [clash] = await tx
          .select({ id: drivers.id })
          .from(drivers)
          .where(and(operatorId ? eq(drivers.operatorId, operatorId) : sql`${drivers.operatorId} is null`, eq(drivers.ref, input.ref)));
        if (clash) throw conflict("duplicate_in_batch", `A driver with the id ${input.ref} is already registered`);
        await tx.insert(drivers).values({
          id,
          operatorId,
          ref: input.ref,
          nameEnc: encrypt(keys.personalData, input.name),
          phoneEnc: input.phone ? encrypt(keys.personalData, input.phone) : null,
          phoneHash: input.phone ? lookupHash(keys.phoneHash, input.phone) : null,
          pageTokenHash: sha256(token),
          createdAt: clock.now(),
        });
        await linkIn(tx, operatorId, id, input.vehicleIds ?? []);
        await tx.insert(auditLog).values(auditRow(clock, actor, "driver.create", { operatorId, driverId: id, vehicleIds: input.vehicleIds ?? [] }));
      });
      return { id, ref: input.ref, pageToken: token };
    },

    /** Sets the vehicles a driver drives (replacing the previous set), within the operator's fleet. */
    async setVehicles(operatorId: string | null, driverId: string, vehicleIds: string[], actor: Actor) {
      await db.transaction(async (tx) => {
        const [d] = await tx
          .select({ id: drivers.id })
          .from(drivers)
          .where(and(eq(drivers.id, driverId), operatorId ? eq(drivers.operatorId, operatorId) : sql`${drivers.operatorId} is null`));
        if (!d) throw notFound("Driver");
        await tx.delete(vehicleDrivers).where(eq(vehicleDrivers.driverId, driverId));
        await linkIn(tx, operatorId, driverId, vehicleIds);
        await tx.insert(auditLog).values(auditRow(clock, actor, "driver.vehicles", { operatorId, driverId, vehicleIds }));
      });
    },

    async list(operatorId: string) {
      const rows = await db
        .select({ id: drivers.id, ref: drivers.ref, nameEnc: drivers.nameEnc, vehicleIds: sql<string[]>`coalesce(array_agg(${vehicleDrivers.vehicleId}) filter (where ${vehicleDrivers.vehicleId} is not null), '{}')` })
        .from(drivers)
        .leftJoin(vehicleDrivers, eq(vehicleDrivers.driverId, drivers.id))
        .where(eq(drivers.operatorId, operatorId))
        .groupBy(drivers.id)
        .orderBy(drivers.ref);
      return rows.map((r) => ({ id: r.id, ref: r.ref, maskedName: maskName(decrypt(keys.personalData, r.nameEnc)), vehicleIds: r.vehicleIds }));
    },

    /** The driver a page link opens, with the vehicles they drive; null for an unknown link. */
    async byPageToken(token: string) {
      if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
      const [d] = await db.select().from(drivers).where(eq(drivers.pageTokenHash, sha256(token)));
      if (!d) return null;
      const cars = await db
        .select({ id: vehicles.id, plate: vehicles.plate, kind: vehicles.kind, status: vehicles.status })
        .from(vehicleDrivers)
        .innerJoin(vehicles, eq(vehicles.id, vehicleDrivers.vehicleId))
        .where(eq(vehicleDrivers.driverId, d.id))
        .orderBy(vehicles.plate);
      return { id: d.id, ref: d.ref, name: decrypt(keys.personalData, d.nameEnc), vehicles: cars };
    },
  };

  /** Links a driver to vehicles of the same operator, within each vehicle's driver limit. */
  async function linkIn(tx: Pick<Db, "select" | "insert">, operatorId: string | null, driverId: string, vehicleIds: string[]) {
    const ids = [...new Set(vehicleIds)];
    if (ids.length === 0) return;
    const own = await tx
      .select({ id: vehicles.id, kind: vehicles.kind })
      .from(vehicles)
      .where(and(inArray(vehicles.id, ids), operatorId ? eq(vehicles.operatorId, operatorId) : sql`${vehicles.operatorId} is null`));
    if (own.length !== ids.length) throw notFound("Vehicle");
    if (own.some((v) => v.kind === "ride_hail") && ids.length > 1) throw badRequest("invalid_request", "A ride-hail driver drives one car");
    for (const v of own) {
      const [linked] = await tx
        .select({ n: count() })
        .from(vehicleDrivers)
        .where(and(eq(vehicleDrivers.vehicleId, v.id), ne(vehicleDrivers.driverId, driverId)));
      if ((linked?.n ?? 0) >= MAX_DRIVERS[v.kind]) {
        throw new AppError(409, "too_many_drivers", `A ${v.kind.replace("_", "-")} vehicle has at most ${MAX_DRIVERS[v.kind]} driver(s); unlink one first`);
      }
    }
    await tx.insert(vehicleDrivers).values(ids.map((vehicleId) => ({ vehicleId, driverId, createdAt: clock.now() }))).onConflictDoNothing();
  }
}

export type DriversRepository = ReturnType<typeof createDriversRepository>;
