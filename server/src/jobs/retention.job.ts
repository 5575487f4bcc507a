import { sql } from "drizzle-orm";
import type { AppDeps } from "../context.ts";
import { rowsOf } from "../db/client.ts";
import { dropPartitionsBefore } from "../db/partitions.ts";

const DAY_MS = 86_400_000;

/**
 * The audit log outlives the data it is about: it holds ids and reasons, no
 * phones or names, and is how a health authority answers "who looked at this
 * person, and why" long after the movements are gone.
 */
export const AUDIT_RETENTION_DAYS = 730;

/**
 * Retention (DESIGN §8): movements older than RETENTION_DAYS go by dropping
 * whole day partitions (never a row-by-row delete of history), and with them
 * what was derived from them or only existed because of them:
 * - check-ins and positions: day partitions that end at or before the cutoff day;
 * - trips that ended (or, never ended, started) before the cutoff;
 * - each person's latest scan and latest boarding (recent_scans,
 *   latest_rides) made before the cutoff: a vehicle and a time, as much a
 *   movement as the ride they point at;
 * - stored traces made before the cutoff (they copy contacts' phones and names);
 * - persons not seen since the cutoff, with no check-in left, and no health
 *   status set within the period (a recent case or close contact stays flagged);
 * - audit rows older than AUDIT_RETENTION_DAYS.
 */
export async function applyRetention({ db, clock, config, logger }: Pick<AppDeps, "db" | "clock" | "config" | "logger">) {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - config.retentionDays * DAY_MS);
  const at = cutoff.toISOString();
  const dropped = await dropPartitionsBefore(db, cutoff);
  const count = async (q: ReturnType<typeof sql>) => rowsOf<{ n: number }>(await db.execute(sql`with d as (${q} returning 1) select count(*)::int as n from d`))[0]?.n ?? 0;
  const trips = await count(sql`delete from trips where coalesce(ended_at, started_at) < ${at}::timestamptz`);
  const latest = (await count(sql`delete from recent_scans where boarded_at < ${at}::timestamptz`)) + (await count(sql`delete from latest_rides where boarded_at < ${at}::timestamptz`));
  const traces = await count(sql`delete from traces where created_at < ${at}::timestamptz`);
  const persons = await count(sql`
    delete from persons p
    where p.last_seen_at < ${at}::timestamptz
      and (p.status = 'clear' or p.status_set_at is null or p.status_set_at < ${at}::timestamptz)
      and not exists (select 1 from checkins c where c.person_id = p.id)`);
  const audit = await count(sql`delete from audit_log where at < ${new Date(now.getTime() - AUDIT_RETENTION_DAYS * DAY_MS).toISOString()}::timestamptz`);
  const summary = { cutoff: at, partitions: dropped.length, trips, latest, traces, persons, audit };
  logger.info(summary, "retention applied");
  return { ...summary, dropped };
}
