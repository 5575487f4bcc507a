import { and, eq, inArray, notInArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { vehicles } from "../db/schema/index.ts";

/**
 * A plate as written on the car, reduced to what tells plates apart: "鲁A·12345",
 * "鲁a 12345" and "鲁A-12345" are one plate. Every duplicate-plate check
 * (staff registration, a platform's batch, an owner's application) goes
 * through platesInUse below, so there is one rule for "the same plate".
 */
export function plateKey(plate: string): string {
  return plate.toUpperCase().replace(/[\s·•.\-_]/g, "");
}

const plateKeySql = sql`upper(regexp_replace(${vehicles.plate}, '[[:space:]·•._-]', '', 'g'))`;

export interface PlateInUse {
  plate: string;
  vehicleId: string;
  operatorId: string | null;
  externalId: string | null;
  status: "active" | "pending" | "rejected" | "retired";
}

/**
 * The vehicles in service (active or pending) that already carry one of
 * `plates`: within one operator when `operatorId` is given (null: the
 * independents, who have none), anywhere when it is undefined. `except`
 * leaves out the vehicles being updated themselves.
 */
export async function platesInUse(
  db: Pick<Db, "select">,
  plates: string[],
  opts: { operatorId?: string | null; except?: string[] } = {},
): Promise<PlateInUse[]> {
  if (plates.length === 0) return [];
  const keys = [...new Set(plates.map(plateKey))];
  const conditions: (SQL | undefined)[] = [
    inArray(plateKeySql, keys),
    inArray(vehicles.status, ["active", "pending"]),
    opts.except?.length ? notInArray(vehicles.id, opts.except) : undefined,
  ];
  if (opts.operatorId !== undefined) {
    conditions.push(opts.operatorId === null ? sql`${vehicles.operatorId} is null` : eq(vehicles.operatorId, opts.operatorId));
  }
  return db
    .select({ plate: vehicles.plate, vehicleId: vehicles.id, operatorId: vehicles.operatorId, externalId: vehicles.externalId, status: vehicles.status })
    .from(vehicles)
    .where(and(...conditions)) as Promise<PlateInUse[]>;
}

