import { and, eq, lt, sql, type SQL } from "drizzle-orm";
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
      upsert = compiledStatement<Record<string, unknown>>(db, (v) =>
        counterUpsert(
          Array.from({ length: n }, (_, i) => ({ bucket: v[`bucket${i}`], key: v[`key${i}`], count: v[`count${i}`], endsAt: v[`ends${i}`] })),
          v.now,
        ),
      );
      upserts.set(n, upsert);
    }
    return upsert;
  };

  /** Dead windows are deleted now and then, by whichever take comes along. */
  async function sweepNowAndThen(now: Date) {
    if (++takes % SWEEP_EVERY === 0) await db.delete(rateLimits).where(lt(rateLimits.windowEndsAt, now));
  }

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
    await sweepNowAndThen(now);
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

  return { take, refund, clear, sweepNowAndThen };
}

/**
 * The upsert that counts: inserts or bumps each counter (a new window when
 * the old one ended), returning (bucket, key, count, window_ends_at). Values
 * are given as SQL chunks or parameters, so a statement may count inside
 * itself (limitedSql).
 */
function counterUpsert(rows: { bucket: unknown; key: unknown; count: unknown; endsAt: unknown }[], now: unknown): SQL {
  const values = rows.map((r) => sql`(${r.bucket}::text, ${r.key}::text, ${r.count}::int, ${r.endsAt}::timestamptz)`);
  return sql`
    insert into rate_limits as r (bucket, key, count, window_ends_at) values ${sql.join(values, sql`, `)}
    on conflict (bucket, key) do update set
      count = case when r.window_ends_at <= ${now}::timestamptz then excluded.count else r.count + excluded.count end,
      window_ends_at = case when r.window_ends_at <= ${now}::timestamptz then excluded.window_ends_at else r.window_ends_at end
    returning r.bucket, r.key, r.count, r.window_ends_at`;
}

/** One check counted inside a statement that does its work only when the check allows it (a check-in that makes a person). */
export interface LimitedBy {
  limit: Limit;
  key: string;
  cost: number;
}

/** The values limitedSql counts with, for `check` at `now`. */
export function limitedValues(check: LimitedBy, now: Date) {
  return { bucket: check.limit.bucket, key: check.key, cost: check.cost, max: check.limit.limit, endsAt: new Date(now.getTime() + check.limit.windowMs).toISOString(), now: now.toISOString() };
}

/**
 * The count as CTEs for a statement of its own, to follow its WITH:
 * `limit_count` counts, and `limit_verdict` yields one row (allowed,
 * window_ends_at) for the statement to guard its writes with. The same
 * counter and the same rule as `take`, without a round trip of its own.
 * `v`: limitedValues, or a compiled statement's placeholders for them. Call
 * sweepNowAndThen after, as take does.
 */
export function limitedSql(v: Record<keyof ReturnType<typeof limitedValues>, unknown>): SQL {
  const count = counterUpsert([{ bucket: v.bucket, key: v.key, count: v.cost, endsAt: v.endsAt }], v.now);
  return sql`limit_count as (${count}),
    limit_verdict as (select count <= ${v.max}::int as allowed, window_ends_at from limit_count)`;
}

/** The verdict of a limitedSql row, as take gives it. */
export function limitedVerdict(row: { allowed: boolean; window_ends_at: string | Date }, now: Date): Verdict {
  if (row.allowed) return { allowed: true, retryAfterSeconds: 0 };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((new Date(row.window_ends_at).getTime() - now.getTime()) / 1000)) };
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
