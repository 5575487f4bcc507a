import { and, desc, eq, inArray, isNotNull, lte } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { StaffUser } from "../context.ts";
import type { Db } from "../db/client.ts";
import { personStatusChanges, persons } from "../db/schema/index.ts";
import { AppError } from "../errors.ts";
import type { HealthStatus } from "./persons.repository.ts";
import { effectiveStatus, expiryOf } from "./status.ts";

export type StatusChangeRow = typeof personStatusChanges.$inferSelect;

/** What a change did, as the status routes answer it. */
export interface StatusChange {
  changeId: string;
  personId: string;
  status: HealthStatus;
  previous: HealthStatus;
  statusSetAt: Date;
  statusExpiresAt: Date | null;
}

export const QUARANTINE_ENDED = "quarantine ended";

/**
 * Health status with a way back (issue 11 part 5). Every change writes a
 * history row that keeps what it replaced, so a revert restores exactly that
 * (status, since and expiry). Run inside the caller's transaction with its
 * audit row; the persons are locked while changed, so two tracers marking the
 * same person write two history rows in order, never one lost.
 */
export function createStatusRepository({ db, clock, config }: { db: Db; clock: Clock; config: Pick<Config, "quarantineDays"> }) {
  const current = (ids: string[]) =>
    db
      .select({ id: persons.id, status: persons.status, statusSetAt: persons.statusSetAt, statusExpiresAt: persons.statusExpiresAt })
      .from(persons)
      .where(inArray(persons.id, ids))
      .for("update");

  return {
    /** Sets these persons' status; returns one change per person that exists (others are left out). */
    async change(input: { personIds: string[]; status: HealthStatus; reason: string | null; by: StaffUser | null; traceId?: string | null }): Promise<StatusChange[]> {
      const ids = [...new Set(input.personIds)];
      if (ids.length === 0) return [];
      const now = clock.now();
      const expiresAt = expiryOf(input.status, now, config.quarantineDays);
      const found = await current(ids);
      if (found.length === 0) return [];
      const rows = found.map((p) => {
        const before = effectiveStatus(p, now);
        return {
          id: uuidv7(),
          personId: p.id,
          at: now,
          status: input.status,
          expiresAt,
          previous: before.status,
          previousSetAt: before.since,
          previousExpiresAt: before.expiresAt,
          reason: input.reason,
          byId: input.by?.id ?? null,
          byName: input.by?.username ?? null,
          reverts: null,
          traceId: input.traceId ?? null,
        } satisfies StatusChangeRow;
      });
      await db
        .update(persons)
        .set({ status: input.status, statusSetAt: now, statusExpiresAt: expiresAt })
        .where(inArray(persons.id, rows.map((r) => r.personId)));
      await db.insert(personStatusChanges).values(rows);
      return rows.map((r) => ({ changeId: r.id, personId: r.personId, status: r.status, previous: r.previous, statusSetAt: now, statusExpiresAt: expiresAt }));
    },

    /** Undoes the person's last change: back to the status, since and expiry it replaced. Null when the person is unknown. */
    async revert(input: { personId: string; reason: string; by: StaffUser }): Promise<StatusChange | null> {
      const [p] = await current([input.personId]);
      if (!p) return null;
      const [last] = await db
        .select()
        .from(personStatusChanges)
        .where(eq(personStatusChanges.personId, input.personId))
        .orderBy(desc(personStatusChanges.at), desc(personStatusChanges.id))
        .limit(1);
      if (!last) throw new AppError(409, "nothing_to_revert", "This person's status has never been changed: there is nothing to undo");
      const now = clock.now();
      const before = effectiveStatus(p, now);
      const restored = { status: last.previous, statusSetAt: last.previousSetAt, statusExpiresAt: last.previousExpiresAt };
      const row = {
        id: uuidv7(),
        personId: p.id,
        at: now,
        status: restored.status,
        expiresAt: restored.statusExpiresAt,
        previous: before.status,
        previousSetAt: before.since,
        previousExpiresAt: before.expiresAt,
        reason: input.reason,
        byId: input.by.id,
        byName: input.by.username,
        reverts: last.id,
        traceId: last.traceId,
      } satisfies StatusChangeRow;
      await db.update(persons).set(restored).where(eq(persons.id, p.id));
      await db.insert(personStatusChanges).values(row);
      const shown = effectiveStatus(restored, now);
      return { changeId: row.id, personId: p.id, status: shown.status, previous: before.status, statusSetAt: shown.since ?? now, statusExpiresAt: shown.expiresAt };
    },

    /** The person's changes, newest first (bounded: a person's status changes a handful of times). */
    history(personId: string, limit = 200): Promise<StatusChangeRow[]> {
      return db
        .select()
        .from(personStatusChanges)
        .where(eq(personStatusChanges.personId, personId))
        .orderBy(desc(personStatusChanges.at), desc(personStatusChanges.id))
        .limit(limit);
    },

    /**
     * Writes down quarantines that have ended by `now`: status clear since the
     * end, a history row "quarantine ended". Up to `batch` persons per call;
     * returns their ids (the job calls again while a full batch came back).
     */
    async expireQuarantines(batch = 500): Promise<string[]> {
      const now = clock.now();
      const due = await db
        .select({ id: persons.id, status: persons.status, statusSetAt: persons.statusSetAt, statusExpiresAt: persons.statusExpiresAt })
        .from(persons)
        .where(and(isNotNull(persons.statusExpiresAt), lte(persons.statusExpiresAt, now)))
        .limit(batch)
        .for("update", { skipLocked: true });
      if (due.length === 0) return [];
      const rows = due.map((p) => ({
        id: uuidv7(),
        personId: p.id,
        // Written when the job sees it (history stays in the order things were written); clear since the end.
        at: now,
        since: p.statusExpiresAt!,
        status: "clear" as const,
        expiresAt: null,
        previous: p.status,
        previousSetAt: p.statusSetAt,
        previousExpiresAt: p.statusExpiresAt,
        reason: QUARANTINE_ENDED,
        byId: null,
        byName: null,
        reverts: null,
        traceId: null,
      }));
      for (const r of rows) {
        await db.update(persons).set({ status: "clear", statusSetAt: r.since, statusExpiresAt: null }).where(eq(persons.id, r.personId));
      }
      await db.insert(personStatusChanges).values(rows.map(({ since: _since, ...r }) => r));
      return rows.map((r) => r.personId);
    },
  };
}

export type StatusRepository = ReturnType<typeof createStatusRepository>;
