import { and, eq, lt, sql } from "drizzle-orm";
import type { Clock } from "./clock.ts";
import type { Db } from "./db/client.ts";
import { preparedRunner, rowOf } from "./db/prepared.ts";
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
  const prepared = preparedRunner(db);
  const toRow = rowOf(rateLimits);

  /** Counts one event against each (limit, key) and answers for all of them, in one statement. */
  async function take(...checks: { limit: Limit; key: string }[]): Promise<Verdict> {
    const now = clock.now();
    const nowSql = sql`${now.toISOString()}::timestamptz`;
    const statement = db
      .insert(rateLimits)
      .values(checks.map(({ limit, key }) => ({ bucket: limit.bucket, key, count: 1, windowEndsAt: new Date(now.getTime() + limit.windowMs) })))
      .onConflictDoUpdate({
        target: [rateLimits.bucket, rateLimits.key],
        set: {
          count: sql`case when ${rateLimits.windowEndsAt} <= ${nowSql} then 1 else ${rateLimits.count} + 1 end`,
          windowEndsAt: sql`case when ${rateLimits.windowEndsAt} <= ${nowSql} then excluded.window_ends_at else ${rateLimits.windowEndsAt} end`,
        },
      })
      .returning()
      .getSQL();
    // Every typed check-in counts here first: a prepared statement, parsed and planned once per connection.
    const rows = (await prepared<Record<string, unknown>>(statement)).map(toRow);
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
