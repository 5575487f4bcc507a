import { and, eq, isNull } from "drizzle-orm";
import { isLiveCode, verifyLiveCode } from "../../../protocol/codes.ts";
import type { Clock } from "../clock.ts";
import type { Keys } from "../crypto/keys.ts";
import type { Db } from "../db/client.ts";
import { operators, vehicleCodes, vehicles } from "../db/schema/index.ts";
import { AppError, gone } from "../errors.ts";
import { newCodeId } from "../vehicles/vehicles.repository.ts";

export interface CodeVehicle {
  id: string;
  plate: string;
  kind: "bus" | "taxi" | "ride_hail" | "coach";
  routeId: string | null;
  operator: string | null;
}

export const codeNotFound = () =>
  new AppError(404, "code_not_found", "This code is not one of ours; scan the code posted in the vehicle again");
export const codeRevoked = () =>
  new AppError(410, "code_revoked", "This code is no longer valid: the vehicle has a new one. Scan the code posted in the vehicle now");
export const vehicleRejected = () =>
  gone("vehicle_rejected", "This vehicle's application was rejected, so its code no longer works; do not check in with it");
export const vehicleRetired = () => gone("vehicle_retired", "This vehicle has been taken out of service; its code no longer works");

/** Pending vehicles' codes work (scans are traced from the first minute); rejected and retired ones' do not. */
function refuseOutOfService(status: string) {
  if (status === "rejected") throw vehicleRejected();
  if (status === "retired") throw vehicleRetired();
}

export const codeExpired = () =>
  gone("code_expired", "This live code has expired; scan the code on the driver's screen again (a photo of it only lasts a minute)");

export function createCodesRepository({ db, keys, clock }: { db: Db; keys: Keys; clock: Clock }) {
  const vehicleColumns = {
    id: vehicles.id,
    plate: vehicles.plate,
    kind: vehicles.kind,
    routeId: vehicles.routeId,
    operator: operators.name,
  };
  const withStatus = { ...vehicleColumns, status: vehicles.status };

  async function vehicleById(id: string): Promise<CodeVehicle | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const [row] = await db.select(withStatus).from(vehicles).leftJoin(operators, eq(operators.id, vehicles.operatorId)).where(eq(vehicles.id, id));
    if (!row) return null;
    const { status, ...v } = row;
    refuseOutOfService(status);
    return v;
  }

  return {
    /**
     * The vehicle a scanned code stands for: a poster code id or a live
     * display token. Throws code_not_found (404), code_revoked or
     * code_expired (410), so the page and the API refuse alike.
     */
    async resolve(code: string): Promise<{ vehicle: CodeVehicle; live: boolean }> {
      if (isLiveCode(code)) {
        const check = verifyLiveCode(keys.liveCode, code, clock.now());
        if (!check.ok) throw check.reason === "expired" ? codeExpired() : codeNotFound();
        const vehicle = await vehicleById(check.vehicleId);
        if (!vehicle) throw codeNotFound();
        return { vehicle, live: true };
      }
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(code)) throw codeNotFound();
      const [row] = await db
        .select({ ...withStatus, revokedAt: vehicleCodes.revokedAt })
        .from(vehicleCodes)
        .innerJoin(vehicles, eq(vehicles.id, vehicleCodes.vehicleId))
        .leftJoin(operators, eq(operators.id, vehicles.operatorId))
        .where(eq(vehicleCodes.id, code));
      if (!row) throw codeNotFound();
      if (row.revokedAt) throw codeRevoked();
      refuseOutOfService(row.status);
      const { revokedAt: _revoked, status: _status, ...vehicle } = row;
      return { vehicle, live: false };
    },

    /** Issues a new poster code and revokes every older one, in one transaction. */
    async rotate(vehicleId: string): Promise<string> {
      const codeId = newCodeId();
      const now = clock.now();
      await db.transaction(async (tx) => {
        await tx
          .update(vehicleCodes)
          .set({ revokedAt: now })
          .where(and(eq(vehicleCodes.vehicleId, vehicleId), isNull(vehicleCodes.revokedAt)));
        await tx.insert(vehicleCodes).values({ id: codeId, vehicleId, createdAt: now });
      });
      return codeId;
    },
  };
}

export type CodesRepository = ReturnType<typeof createCodesRepository>;
