import { desc, eq } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Keys } from "../crypto/keys.ts";
import { decrypt } from "../crypto/personal-data.ts";
import type { Db } from "../db/client.ts";
import { persons, tracePersons, traces, users } from "../db/schema/index.ts";
import { createTracingRepository } from "../tracing/tracing.repository.ts";
import { effectiveStatus, maskForStaff } from "./status.ts";
import { createStatusRepository } from "./status.repository.ts";

const DAY_MS = 86_400_000;
/** A person page lists at most this many rides and traces (newest first); a passenger rides a few times a day. */
export const PAGE_ROWS = 500;

/**
 * What a tracer sees on a person's page: masked name, the status in force
 * and its history, their rides within the retention period (with the
 * intervals of DESIGN §7) and the stored traces that listed them.
 */
export function createPersonPage(deps: { db: Db; keys: Keys; clock: Clock; config: Pick<Config, "quarantineDays" | "retentionDays"> }) {
  const { db, keys, clock, config } = deps;
  const tracing = createTracingRepository(deps);
  const status = createStatusRepository(deps);

  return {
    async get(personId: string) {
      const [p] = await db.select().from(persons).where(eq(persons.id, personId));
      if (!p) return null;
      const now = clock.now();
      const inForce = effectiveStatus(p, now);
      const name = p.nameEnc ? decrypt(keys.personalData, p.nameEnc) : null;
      const [history, segments, listed] = await Promise.all([
        status.history(personId, PAGE_ROWS),
        tracing.segments([{ personId, boardedFrom: now.getTime() - config.retentionDays * DAY_MS, boardedTo: now.getTime() + 1 }], now),
        db
          .select({ traceId: traces.id, request: traces.request, at: traces.createdAt, by: users.username, role: tracePersons.role })
          .from(tracePersons)
          .innerJoin(traces, eq(traces.id, tracePersons.traceId))
          .leftJoin(users, eq(users.id, traces.createdBy))
          .where(eq(tracePersons.personId, personId))
          .orderBy(desc(traces.createdAt))
          .limit(PAGE_ROWS),
      ]);
      return {
        id: p.id,
        maskedName: maskForStaff(name),
        erased: p.erasedAt !== null,
        erasedAt: p.erasedAt?.toISOString() ?? null,
        status: inForce.status,
        statusSince: inForce.since?.toISOString() ?? null,
        statusExpiresAt: inForce.expiresAt?.toISOString() ?? null,
        history: history.map((h) => ({
          id: h.id,
          status: h.status,
          previous: h.previous,
          reason: h.reason,
          by: h.byName,
          at: h.at.toISOString(),
          expiresAt: h.expiresAt?.toISOString() ?? null,
          reverts: h.reverts,
          traceId: h.traceId,
        })),
        rides: segments
          .slice(-PAGE_ROWS)
          .reverse()
          .map((g) => ({
            checkinId: g.checkinId,
            vehicleId: g.vehicleId,
            plate: g.vehicle.plate,
            routeId: g.routeId ?? g.vehicle.routeId,
            tripId: g.tripId,
            from: new Date(g.b).toISOString(),
            to: new Date(g.a).toISOString(),
            alightEstimated: g.alightEstimated,
            seat: g.seat,
            // Every stored ride counts in tracing today; verified phones (issue 11 part 1) will mark those that do not.
            verified: true,
          })),
        traces: listed.map((t) => ({
          traceId: t.traceId,
          reason: (t.request as { reason?: string }).reason ?? "",
          at: t.at.toISOString(),
          by: t.by ?? null,
          role: t.role,
        })),
      };
    },
  };
}
