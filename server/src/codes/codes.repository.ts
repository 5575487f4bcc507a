import { and, eq, isNull, sql } from "drizzle-orm";
import { isLiveCode, verifyLiveCode } from "../../../protocol/codes.ts";
import type { Clock } from "../clock.ts";
import type { Keys } from "../crypto/keys.ts";
import type { Db } from "../db/client.ts";
import { preparedRunner } from "../db/prepared.ts";
import { codeCacheOf } from "./code-cache.ts";
import { vehicleCodes } from "../db/schema/index.ts";
import { AppError, gone } from "../errors.ts";
import { newCodeId } from "../vehicles/vehicles.repository.ts";
import { isPageTicket, verifyPageTicket } from "./live-code.ts";

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
export const vehicleRetired = () =>
  gone("vehicle_retired", "This vehicle is no longer in service, so its code no longer works. Scan the code in the vehicle you are on");

/** Pending vehicles' codes work (scans are traced from the first minute); rejected and retired ones' do not. */
function refuseOutOfService(v: { status: string; retired: boolean }) {
  if (v.status === "rejected") throw vehicleRejected();
  if (v.retired || v.status === "retired") throw vehicleRetired();
}

/** A code's vehicle with what decides whether the code still works. */
type CodeRow = CodeVehicle & { revoked: boolean; status: string; retired: boolean };

export const codeExpired = () =>
  gone("code_expired", "This live code has expired; scan the code on the driver's screen again (a photo of it only lasts a minute)");

export const ticketNotACode = () =>
  gone("ticket_not_a_code", "This link only works from the page that made it; scan the code on the driver's screen again");

export function createCodesRepository({ db, keys, clock }: { db: Db; keys: Keys; clock: Clock }) {
  const prepared = preparedRunner(db);
  // Every scan starts here: prepared statements, parsed and planned once per connection.
  const vehicleColumns = sql`v.id, v.plate, v.kind, v.route_id as "routeId", o.name as operator`;
  const serviceColumns = sql`v.status, v.retired_at is not null as retired`;

  // Rows as read, checked again at each use (code-cache.ts): keyed "v:{vehicle id}" for live codes, "c:{code id}" for posters.
  const cache = codeCacheOf<CodeRow>(db);

  async function vehicleById(id: string): Promise<CodeVehicle | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const v = await cache.read(`v:${id.toLowerCase()}`, async () => {
      const [row] = await prepared<CodeRow>(sql`
        select ${vehicleColumns}, false as revoked, ${serviceColumns} from vehicles v left join operators o on o.id = v.operator_id where v.id = ${id}::uuid`);
      return row;
    });
    if (!v) return null;
    refuseOutOfService(v);
    const { revoked: _revoked, retired: _retired, status: _status, ...vehicle } = v;
    return vehicle;
  }

  return {
    /**
     * The vehicle a scanned code stands for: a poster code id or a live
     * display token. Throws code_not_found (404), code_revoked or
     * code_expired (410), so the page and the API refuse alike. A page
     * ticket is a code only where `pageTicket` says so (the check-in itself);
     * anywhere else it is ticket_not_a_code.
     */
    async resolve(code: string, opts: { pageTicket?: boolean } = {}): Promise<{ vehicle: CodeVehicle; live: boolean; liveExpiresAt?: Date }> {
      if (isPageTicket(code)) {
        if (!opts.pageTicket) throw ticketNotACode();
        const check = verifyPageTicket(keys.pageTicket, code, clock.now());
        if (!check.ok) throw check.reason === "expired" ? codeExpired() : codeNotFound();
        const vehicle = await vehicleById(check.vehicleId);
        if (!vehicle) throw codeNotFound();
        return { vehicle, live: false };
      }
      if (isLiveCode(code)) {
        const check = verifyLiveCode(keys.liveCode, code, clock.now());
        if (!check.ok) throw check.reason === "expired" ? codeExpired() : codeNotFound();
        const vehicle = await vehicleById(check.vehicleId);
        if (!vehicle) throw codeNotFound();
        return { vehicle, live: true, liveExpiresAt: check.expiresAt };
      }
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(code)) throw codeNotFound();
      const row = await cache.read(`c:${code}`, async () => {
        const [found] = await prepared<CodeRow>(sql`
          select ${vehicleColumns}, c.revoked_at is not null as revoked, ${serviceColumns}
            from vehicle_codes c
            join vehicles v on v.id = c.vehicle_id
            left join operators o on o.id = v.operator_id
           where c.id = ${code}`);
        return found;
      });
      if (!row) throw codeNotFound();
      // Retiring revokes the codes too: say why, not "the vehicle has a new one".
      refuseOutOfService(row);
      if (row.revoked) throw codeRevoked();
      const { revoked: _revoked, retired: _retired, status: _status, ...vehicle } = row;
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
