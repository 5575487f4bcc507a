import { and, eq, lt, sql } from "drizzle-orm";
import type { Clock } from "./clock.ts";
import type { Db } from "./db/client.ts";
import { compiledStatement, rowOf } from "./db/prepared.ts";
import { rateLimits } from "./db/schema/index.ts";

/** A fixed-window limit: at most `limit` counted events per `windowMs`, per key. */
export interface Limit {
  bucket: string;
  limit: number;
  windowMs: number;
}

export interface Verdict {
  allowed: boolean;
  /** Seconds until the window that refused ends (0 when allowed). */
  retryAfterSeconds: number;
}

/** Longest window of any limit: rows past it are dead and swept now and then. */
const SWEEP_EVERY = 500;

/**
 * Rate limits counted in the database, which every server process shares: one
 * upsert per check (insert or bump the window's count, returning it), so
 * several servers enforce one limit rather than one each.
 */
export function createRateLimits({ db, clock }: { db: Db; clock: Clock }) {
  let takes = 0;
  const toRow = rowOf(rateLimits);

  /** Inserts or bumps n counters (a new window when the old one ended), returning them. */
  const upserts = new Map<number, ReturnType<typeof compiledStatement>>();
  const upsertOf = (n: number) => {
    let upsert = upserts.get(n);
    if (!upsert) {
      upsert = compiledStatement<Record<string, unknown>>(db, (v) => {
        const rows = Array.from({ length: n }, (_, i) => sql`(${v[`bucket${i}`]}, ${v[`key${i}`]}, ${v[`count${i}`]}::int, ${v[`ends${i}`]}::timestamptz)`);
        return sql`
          insert into rate_limits as r (bucket, key, count, window_ends_at) values ${sql.join(rows, sql`, `)}
          on conflict (bucket, key) do update set
            count = case when r.window_ends_at <= ${v.now}::timestamptz then excluded.count else r.count + excluded.count end,
            window_ends_at = case when r.window_ends_at <= ${v.now}::timestamptz then excluded.window_ends_at else r.window_ends_at end
          returning r.bucket, r.key, r.count, r.window_ends_at`;
      });
      upserts.set(n, upsert);
    }
    return upsert;
  };

  /**
   * Counts one event (or `cost` events: a check-in with companions counts
   * each person) against each (limit, key) and answers for all of them, in
   * one statement.
   */
  async function take(...checks: { limit: Limit; key: string; cost?: number }[]): Promise<Verdict> {
    const now = clock.now();
    const values: Record<string, unknown> = { now: now.toISOString() };
    checks.forEach(({ limit, key, cost }, i) => {
      Object.assign(values, { [`bucket${i}`]: limit.bucket, [`key${i}`]: key, [`count${i}`]: cost ?? 1, [`ends${i}`]: new Date(now.getTime() + limit.windowMs).toISOString() });
    });
    // Every typed check-in counts here first: its text built once per number of checks.
    const rows = (await upsertOf(checks.length)<Record<string, unknown>>(values)).map(toRow);
    if (++takes % SWEEP_EVERY === 0) await db.delete(rateLimits).where(lt(rateLimits.windowEndsAt, now));
    return verdict(checks, rows, now);
  }

  /** Takes back one counted event, for attempts that turned out legitimate (a successful sign-in). */
  async function refund(limit: Limit, key: string): Promise<void> {
    await db
      .update(rateLimits)
      .set({ count: sql`greatest(${rateLimits.count} - 1, 0)` })
      .where(and(eq(rateLimits.bucket, limit.bucket), eq(rateLimits.key, key)));
  }

  async function clear(limit: Limit, key: string): Promise<void> {
    await db.delete(rateLimits).where(and(eq(rateLimits.bucket, limit.bucket), eq(rateLimits.key, key)));
  }

  return { take, refund, clear };
}

function verdict(checks: { limit: Limit; key: string }[], rows: (typeof rateLimits.$inferSelect)[], now: Date): Verdict {
  let retryAfterMs = 0;
  for (const { limit, key } of checks) {
    const row = rows.find((r) => r.bucket === limit.bucket && r.key === key);
    const endsAt = row ? new Date(row.windowEndsAt).getTime() : 0;
    if (row && endsAt > now.getTime() && row.count > limit.limit) retryAfterMs = Math.max(retryAfterMs, endsAt - now.getTime());
  }
  return { allowed: retryAfterMs === 0, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
