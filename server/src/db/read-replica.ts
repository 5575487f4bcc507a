import type { Logger } from "pino";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Metrics } from "../metrics.ts";
import type { Db } from "./client.ts";
import { genericPlanPool } from "./prepared.ts";
import * as schema from "./schema/index.ts";

/**
 * Reads off the primary (DATABASE_READ_URL): tracing, trips and flow queries go
 * to a streaming standby while it is close enough behind, and to the primary
 * otherwise. The rule, checked every `checkEveryMs` on a connection of its own:
 *
 * - caught up (everything received is replayed, and the WAL receiver is
 *   streaming) counts as 0 lag, however long ago the last write was — an idle
 *   primary must not look like a lagging standby;
 * - otherwise the lag is `now() - pg_last_xact_replay_timestamp()`: how old the
 *   newest replayed commit is, an upper bound on how stale a read is;
 * - a lag above `maxLagMs`, a standby that does not answer, or a WAL receiver
 *   that is not streaming sends reads to the primary until the next check says
 *   otherwise. Until the first check has answered, reads go to the primary.
 *
 * So a read on the standby misses at most the writes of the last
 * `maxLagMs + checkEveryMs`. Writes, check-ins and everything that must read
 * its own writes never come here: they use the primary.
 */
export interface ReadReplica {
  /** A Db that routes each call to the standby or, when it lags, the primary. */
  db: Db;
  /** Where reads go now. */
  target(): "standby" | "primary";
  /** The last measured lag in ms; null when the standby did not answer. */
  lagMs(): number | null;
  /** Runs one check now (tests use it to wait for a switch). */
  check(): Promise<void>;
  close(): Promise<void>;
}

interface LagRow {
  in_recovery: boolean;
  caught_up: boolean | null;
  receiver: string | null;
  lag_ms: number | null;
}

/**
 * `receiver` is null for a login without pg_read_all_stats (PostgreSQL hides
 * pg_stat_wal_receiver's columns from it): then the LSN comparison alone decides.
 */
const LAG_SQL = `
  select pg_is_in_recovery() as in_recovery,
         pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() as caught_up,
         (select status from pg_stat_wal_receiver limit 1) as receiver,
         (extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000)::float8 as lag_ms`;

/** The lag a row means, by the rule above; null when the standby cannot vouch for its freshness. */
export function lagOf(row: LagRow): number | null {
  if (!row.in_recovery) return 0; // promoted, or pointed at a primary: as fresh as it gets
  if (row.receiver !== null && row.receiver !== "streaming") return null;
  if (row.caught_up) return 0;
  return row.lag_ms === null ? null : Math.max(0, row.lag_ms);
}

export function openReadReplica(opts: {
  url: string;
  primary: Db;
  maxLagMs: number;
  logger: Logger;
  metrics?: Metrics;
  checkEveryMs?: number;
  poolSize?: number;
}): ReadReplica {
  const checkEveryMs = opts.checkEveryMs ?? Math.min(1_000, Math.max(100, opts.maxLagMs / 2));
  const client = postgres(opts.url, { max: opts.poolSize ?? 10, onnotice: () => {}, connection: { application_name: "transit-checkin-read" } });
  // Its own connection, so a busy read pool never delays the check (and the check never queues behind reads).
  const probe = postgres(opts.url, { max: 1, onnotice: () => {}, connect_timeout: 5, idle_timeout: 0, connection: { application_name: "transit-checkin-lag" } });
  const generic = genericPlanPool(client, opts.url, { connection: { application_name: "transit-checkin-read" } });
  const standby = drizzlePostgres(client, { schema }) as unknown as Db;
  let lag: number | null = null;
  let target: "standby" | "primary" = "primary";

  const check = async () => {
    let measured: number | null;
    try {
      const [row] = (await probe.unsafe(LAG_SQL)) as unknown as LagRow[];
      measured = row ? lagOf(row) : null;
    } catch (err) {
      if (lag !== null) opts.logger.warn({ err }, "read standby unreachable: reads go to the primary");
      measured = null;
    }
    lag = measured;
    const next = measured !== null && measured <= opts.maxLagMs ? "standby" : "primary";
    if (next !== target) opts.logger.info({ lagMs: measured, maxLagMs: opts.maxLagMs }, `reads now go to the ${next}`);
    target = next;
    opts.metrics?.readStandbyLag.set(measured === null ? -1 : measured / 1000);
    opts.metrics?.readsOnStandby.set(target === "standby" ? 1 : 0);
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await check();
    if (!stopped) timer = setTimeout(() => void loop(), checkEveryMs);
  };
  void loop();

  // Every method of the Db (select, execute, transaction, query…) is taken from whichever side reads go to at the call.
  const current = () => (target === "standby" ? standby : opts.primary);
  const db = new Proxy({} as Db, {
    get(_, prop) {
      const side = current();
      const value = Reflect.get(side, prop, side) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(side) : value;
    },
  });

  return {
    db,
    target: () => target,
    lagMs: () => lag,
    check,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([client.end({ timeout: 5 }), generic.end({ timeout: 5 }), probe.end({ timeout: 5 })]);
    },
  };
}
