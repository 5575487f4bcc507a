import type { AppDeps } from "../context.ts";
import { createStatusRepository, QUARANTINE_ENDED } from "../persons/status.repository.ts";
import { createAuditLog } from "../tracing/audit.ts";

/** How often the quarantine job writes down lapsed statuses (reads never wait for it: persons/status.ts). */
export const QUARANTINE_JOB_EVERY_MS = 15 * 60_000;

/**
 * Ends close contacts' quarantines (issue 11 part 5): each lapsed status
 * becomes clear with a history row "quarantine ended" and an audit row by the
 * system, in one transaction per batch.
 */
export async function endQuarantines({ db, clock, config, logger }: Pick<AppDeps, "db" | "clock" | "config" | "logger">, batch = 500): Promise<number> {
  let ended = 0;
  for (;;) {
    const ids = await db.transaction(async (tx) => {
      const ids = await createStatusRepository({ db: tx, clock, config }).expireQuarantines(batch);
      const audit = createAuditLog({ db: tx, clock });
      for (const id of ids) await audit.record({ user: null, action: "person.status.expired", subjectPersonId: id, reason: QUARANTINE_ENDED, details: { status: "clear", previous: "close_contact" } });
      return ids;
    });
    ended += ids.length;
    if (ids.length < batch) break;
  }
  if (ended > 0) logger.info({ ended }, "quarantines ended");
  return ended;
}
