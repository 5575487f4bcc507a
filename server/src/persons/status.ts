import { sql, type SQL } from "drizzle-orm";
import type { HealthStatus } from "./persons.repository.ts";

const DAY_MS = 86_400_000;

/**
 * A close contact's status lapses when their quarantine ends. The quarantine
 * job writes that down (with a history row), but it runs now and then: every
 * read computes the status in force at `now`, so nobody shows a stale yellow
 * between two runs. `now`: a Date, or the statement's value for it (a
 * compiled statement's placeholder).
 */
export function effectiveStatusSql(alias: string, now: unknown): SQL {
  const a = sql.raw(alias);
  return sql`(case when ${a}.status_expires_at <= ${now instanceof Date ? now.toISOString() : now}::timestamptz then 'clear'::health_status else ${a}.status end)`;
}

export interface StatusState {
  status: HealthStatus;
  statusSetAt: Date | null;
  statusExpiresAt: Date | null;
}

/** The status in force at `now`, since when, and until when (a lapsed quarantine is clear since it ended). */
export function effectiveStatus(s: StatusState, now: Date): { status: HealthStatus; since: Date | null; expiresAt: Date | null } {
  if (s.statusExpiresAt && s.statusExpiresAt.getTime() <= now.getTime()) return { status: "clear", since: s.statusExpiresAt, expiresAt: null };
  return { status: s.status, since: s.statusSetAt, expiresAt: s.statusExpiresAt };
}

/** When a status set at `at` lapses: only a close contact's does, after the quarantine. */
export function expiryOf(status: HealthStatus, at: Date, quarantineDays: number): Date | null {
  return status === "close_contact" ? new Date(at.getTime() + quarantineDays * DAY_MS) : null;
}

/**
 * A name as staff lists show it: the first character and a fixed tail, so the
 * mask does not tell the name's length (王** for 王小明 and 王五 alike).
 */
export function maskForStaff(name: string | null): string | null {
  if (!name) return null;
  const first = [...name.trim()][0];
  return first ? `${first}**` : null;
}
