import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { StaffUser } from "../context.ts";
import type { Db } from "../db/client.ts";
import { auditLog } from "../db/schema/index.ts";

/** The actor named for what the server does by itself. */
export const SYSTEM_ACTOR = "system";

/**
 * DESIGN §8: every tracer read of personal data, and every status change, is
 * written down — who, when, which person, why. Details carry ids and counts,
 * never phones or names, so the log itself is not a second copy of them.
 */
export function createAuditLog({ db, clock }: { db: Db; clock: Clock }) {
  return {
    /** `user` null is the system itself (the quarantine job). */
    async record(entry: { user: StaffUser | null; action: string; subjectPersonId?: string | null; reason?: string | null; details?: Record<string, unknown> }) {
      const traceId = entry.details?.traceId;
      await db.insert(auditLog).values({
        id: uuidv7(),
        at: clock.now(),
        actorId: entry.user?.id ?? null,
        actorName: entry.user?.username ?? SYSTEM_ACTOR,
        action: entry.action,
        subjectPersonId: entry.subjectPersonId ?? null,
        reason: entry.reason ?? null,
        details: entry.details ?? null,
        traceId: typeof traceId === "string" ? traceId : null,
      });
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
