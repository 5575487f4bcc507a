import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type postgres from "postgres";
import { rowsOf, type Db } from "../db/client.ts";

const dialect = new PgDialect();

const isPostgresJs = (client: unknown): client is postgres.Sql =>
  typeof client === "function" && typeof (client as Partial<postgres.Sql>).reserve === "function" && typeof (client as Partial<postgres.Sql>).unsafe === "function";
/** postgres.js sends a query without parameters as a simple Query message when asked (not in its types): several statements in one. */
const SIMPLE = { simple: true } as postgres.UnsafeQueryOptions;

/**
 * Runs the tracing statements on PostgreSQL as named prepared statements with
 * a generic plan. Planning them over the day partitions of checkins and
 * positions was most of a trace's database time (1.5–2.6 ms per statement,
 * against 0.2–1.1 ms executing); a generic plan is made once per connection
 * and prunes the partitions when it starts executing instead. PostgreSQL's
 * own choice ("auto") keeps re-planning, because a generic plan's cost counts
 * every partition, so the setting is forced for this transaction only (SET
 * LOCAL never reaches the pool's other users). drizzle's `execute` does not
 * prepare, hence the postgres.js client directly. The SQL texts must stay the
 * same from call to call (values as parameters) for the statement to be reused.
 * On PGlite (tests, single-user) it is a plain execute.
 */
export function genericPlanRunner(db: Db): <T>(query: SQL) => Promise<T[]> {
  // The client is looked up at each call: a read standby's Db (db/read-replica.ts) switches between two.
  return async <T>(query: SQL) => {
    const client = (db as unknown as { $client?: unknown }).$client;
    if (!isPostgresJs(client)) return rowsOf<T>(await db.execute(query));
    const { sql: text, params } = dialect.sqlToQuery(query);
    // One connection, three messages sent without waiting: one round trip instead of a BEGIN, the
    // statement and a COMMIT each waiting for the one before. COMMIT after a failure rolls back.
    const conn = await client.reserve();
    try {
      const done = await Promise.allSettled([
        conn.unsafe("begin read only; set local plan_cache_mode = force_generic_plan", [], SIMPLE),
        conn.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }),
        conn.unsafe("commit", [], SIMPLE),
      ]);
      const failed = done.find((d) => d.status === "rejected");
      if (failed) throw failed.reason;
      return (done[1] as PromiseFulfilledResult<unknown>).value as T[];
    } finally {
      conn.release();
    }
  };
}
