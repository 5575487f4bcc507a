import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { rowsOf, type Db } from "../db/client.ts";

/**
 * Who runs the things that must run once across all server processes (the
 * live-code publisher, partitions, retention): whoever holds the `leader` row
 * of the `leases` table (docs/DESIGN.md §2).
 *
 * A lease rather than a session advisory lock: an advisory lock lives as long
 * as one connection, so it needs a connection held for ever outside the pool,
 * does not survive a transaction-mode pooler (PgBouncer), and when the
 * leader's machine vanishes without closing its socket PostgreSQL keeps the
 * lock until TCP keepalive gives up (two hours by default). A lease row works
 * through any pool and on PGlite's single connection alike, is visible
 * (`select * from leases`), and a dead holder is replaced after at most one
 * TTL. What the leader runs is idempotent, so the rare overlap (a holder
 * paused past its expiry, still finishing a run) does no harm.
 */
export interface Leadership {
  isLeader(): boolean;
  /** Called with true when this process becomes leader and false when it stops being one. */
  onChange(listener: (leader: boolean) => void): void;
}

/** One process, nobody to share with (tests, tools): always the leader. */
export const soleLeader: Leadership = {
  isLeader: () => true,
  onChange: (listener) => listener(true),
};

export interface LeaderLeaseOptions {
  db: Db;
  logger: Logger;
  /** How long a lease lasts without renewal; renewed every third of it. */
  ttlMs: number;
  name?: string;
  /** Monotonic milliseconds, for stepping down when renewals keep failing. */
  now?: () => number;
}

export function describeHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export function createLeaderLease(opts: LeaderLeaseOptions) {
  const name = opts.name ?? "leader";
  const holder = describeHolder();
  const now = opts.now ?? (() => performance.now());
  const listeners: ((leader: boolean) => void)[] = [];
  let leader = false;
  // When the lease we hold runs out by our own reckoning (measured from before the renewal was sent).
  let heldUntil = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  function become(next: boolean) {
    if (next === leader) return;
    leader = next;
    opts.logger.info({ lease: name, holder }, next ? "leading: this process runs the live codes, partitions and retention" : "no longer leading");
    for (const l of listeners) l(next);
  }

  /** Takes the lease if it is free or expired, renews it if ours; true when we hold it. */
  async function claim(): Promise<boolean> {
    const rows = rowsOf<{ holder: string }>(
      await opts.db.execute(sql`
        insert into leases (name, holder, expires_at)
        values (${name}, ${holder}, now() + ${opts.ttlMs} * interval '1 millisecond')
        on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where leases.holder = excluded.holder or leases.expires_at < now()
        returning holder`),
    );
    return rows.length === 1;
  }

  async function tick(answerWithinMs: number) {
    const sentAt = now();
    try {
      // A database that does not answer at all (a cut network) must count as a failed renewal, not a wait.
      const held = await withTimeout(claim(), answerWithinMs);
      if (held) heldUntil = sentAt + opts.ttlMs;
      if (!stopped) become(held);
    } catch (err) {
      opts.logger.warn({ err, lease: name }, "could not renew the leader lease");
      // Another process may take it once it has expired: stop before that moment, not after.
      if (leader && now() >= heldUntil - opts.ttlMs / 3) become(false);
    }
  }

  function loop() {
    timer = setTimeout(() => {
      void tick(opts.ttlMs / 3).finally(() => {
        if (!stopped) loop();
      });
    }, opts.ttlMs / 3);
    timer.unref();
  }

  return {
    holder,
    isLeader: () => leader,
    onChange(listener: (leader: boolean) => void) {
      listeners.push(listener);
      if (leader) listener(true);
    },
    /**
     * The first claim, awaited, so the caller knows at once whether it leads; then renewals in the background.
     * It may take longer than a renewal may (a busy database at startup is not a lost lease): there is
     * nothing held yet to lose by waiting.
     */
    async start() {
      await tick(Math.max(opts.ttlMs, FIRST_CLAIM_WITHIN_MS));
      loop();
    },
    /** Stops renewing and gives the lease back, so another process takes over at once rather than after the TTL. */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const was = leader;
      become(false);
      if (was) {
        await opts.db
          .execute(sql`delete from leases where name = ${name} and holder = ${holder}`)
          .catch((err: unknown) => opts.logger.warn({ err }, "could not release the leader lease; it expires by itself"));
      }
    },
  };
}

const FIRST_CLAIM_WITHIN_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export type LeaderLease = ReturnType<typeof createLeaderLease>;

/**
 * Runs `start` while this process leads and the function it returns when it
 * stops leading (or at close). For schedules that must run in one process only.
 */
export function whileLeader(leadership: Leadership, start: () => () => void): () => void {
  let stop: (() => void) | null = null;
  let closed = false;
  leadership.onChange((leader) => {
    if (closed) return;
    if (leader && !stop) stop = start();
    else if (!leader && stop) {
      stop();
      stop = null;
    }
  });
  return () => {
    closed = true;
    stop?.();
    stop = null;
  };
}
