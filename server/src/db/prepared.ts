import { fillPlaceholders, getTableColumns, sql, type SQL, type Table } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { pgliteSupportsNamed, runNamed } from "./pglite-named.ts";
import { rowsOf, type Db } from "./client.ts";

/*
 * The statements a request runs many times a second, as named prepared
 * statements. drizzle's `execute` sends every statement unnamed, so
 * PostgreSQL parses and plans it on every call; a named statement is parsed
 * once per connection (postgres.js keeps one per SQL text) and planned once
 * when PostgreSQL settles on a generic plan. The SQL texts must stay the same
 * from call to call (values as parameters) for a statement to be reused.
 * On PGlite (embedded, one connection) preparedRunner is a plain execute;
 * compiledStatement and genericPlanRunner send named statements through its
 * wire protocol (pglite-named.ts), where planning was most of their cost.
 *
 * Rows come back as the driver gives them: snake_case columns, timestamps as
 * ISO strings (drizzle sets postgres.js to leave them as text).
 */

export type Runner = <T>(query: SQL) => Promise<T[]>;

const dialect = new PgDialect();

const isPostgresJs = (client: unknown): client is postgres.Sql =>
  typeof client === "function" && typeof (client as Partial<postgres.Sql>).reserve === "function" && typeof (client as Partial<postgres.Sql>).unsafe === "function";
/** postgres.js sends a query without parameters as a simple Query message when asked (not in its types): several statements in one. */
const SIMPLE = { simple: true } as postgres.UnsafeQueryOptions;
/** How a statement on a generic plan starts when the database has no generic-plan pool (see onGenericPlan). */
const READ_ONLY = "begin read only; set local plan_cache_mode = force_generic_plan";
const READ_WRITE = "begin; set local plan_cache_mode = force_generic_plan";

const clientOf = (db: Db): unknown => (db as unknown as { $client?: unknown }).$client;
const plain =
  (db: Db): Runner =>
  async <T>(query: SQL) =>
    rowsOf<T>(await db.execute(query));

/**
 * A named prepared statement, planned as PostgreSQL chooses: for a statement
 * on ordinary tables (persons, codes, rate limits, the insert of a check-in)
 * it keeps a generic plan after five calls.
 */
export function preparedRunner(db: Db): Runner {
  const client = clientOf(db);
  if (!isPostgresJs(client)) return plain(db);
  return async <T>(query: SQL) => {
    const { sql: text, params } = dialect.sqlToQuery(query);
    return (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[];
  };
}

/**
 * A named prepared statement whose SQL text is built once: `build` is given
 * placeholders the first time, and each call sends only its values. Building
 * a statement through drizzle and compiling it to text costs 15–45 µs of CPU
 * per call (a rate-limit upsert: 46 µs), paid on every check-in for a text
 * that never changes. What shapes the text (how many rows) cannot be a value:
 * keep one statement per shape. `onGenericPlan`: a statement on the day
 * partitions, run as genericPlanRunner runs one (`readOnly: false` for a
 * write).
 */
export function compiledStatement<V extends Record<string, unknown>>(
  db: Db,
  build: (values: V) => SQL,
  opts: { onGenericPlan?: boolean; readOnly?: boolean } = {},
): <T>(values: V) => Promise<T[]> {
  const begin = opts.readOnly === false ? READ_WRITE : READ_ONLY;
  const placeholders = new Proxy({}, { get: (_, name) => sql.placeholder(String(name)) }) as V;
  let compiled: { sql: string; params: unknown[] } | undefined;
  const fallback = plain(db);
  return async <T>(values: V) => {
    // Looked up at each call, as genericPlanRunner does.
    const client = clientOf(db);
    if (!isPostgresJs(client) && !pgliteSupportsNamed(client)) return fallback<T>(build(values));
    compiled ??= dialect.sqlToQuery(build(placeholders));
    const params = fillPlaceholders(compiled.params, values) as postgres.ParameterOrJSON<never>[];
    if (pgliteSupportsNamed(client)) return runNamed<T>(client, compiled.sql, params);
    if (opts.onGenericPlan) return onGenericPlan<T>(client, begin, compiled.sql, params);
    return (await client.unsafe(compiled.sql, params, { prepare: true })) as unknown as T[];
  };
}

/**
 * The pools whose connections plan every named statement generically (the
 * startup option plan_cache_mode = force_generic_plan), by the pool they
 * stand beside; see genericPlanPool.
 */
const genericPools = new WeakMap<postgres.Sql, postgres.Sql>();

/** Connections for the partition reads, opened beside `client` (db/client.ts, db/read-replica.ts): a few, as they are quick. */
export function genericPlanPool(client: postgres.Sql, url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql {
  const generic = postgres(url, {
    ...options,
    max: 4,
    onnotice: () => {},
    connection: { ...options.connection, plan_cache_mode: "force_generic_plan" } as postgres.Options<Record<string, postgres.PostgresType>>["connection"],
  });
  // Rows in the same form as the pool beside it: drizzle leaves timestamps as text (see rowOf).
  drizzlePostgres(generic);
  genericPools.set(client, generic);
  return generic;
}

/**
 * A named prepared statement forced onto a generic plan, for statements that
 * read the day-partitioned tables. Planning them over the partitions was most
 * of their database time (0.45 ms planning against 0.06 ms executing for a
 * ride lookup; 1.5–2.6 ms per tracing statement); a generic plan is made once
 * per connection and prunes the partitions when it starts executing instead.
 * PostgreSQL's own choice ("auto") keeps re-planning, because a generic plan's
 * cost counts every partition, so the setting is forced: on the connections
 * of the pool beside the database's (genericPlanPool), whose sessions start
 * with it, one message a statement; without one, for a transaction of the
 * pool's own (SET LOCAL never reaches the pool's other users). `readOnly`
 * for reads in such a transaction; a write (checking out a ride) runs in a
 * read-write one.
 */
export function genericPlanRunner(db: Db, opts: { readOnly?: boolean } = {}): Runner {
  const begin = opts.readOnly === false ? READ_WRITE : READ_ONLY;
  const fallback = plain(db);
  return async <T>(query: SQL) => {
    // The client is looked up at each call: a read standby's Db (db/read-replica.ts) switches between two.
    const client = clientOf(db);
    if (!isPostgresJs(client) && !pgliteSupportsNamed(client)) return fallback<T>(query);
    const { sql: text, params } = dialect.sqlToQuery(query);
    if (pgliteSupportsNamed(client)) return runNamed<T>(client, text, params);
    return onGenericPlan<T>(client, begin, text, params as postgres.ParameterOrJSON<never>[]);
  };
}

async function onGenericPlan<T>(client: postgres.Sql, begin: string, text: string, params: postgres.ParameterOrJSON<never>[]): Promise<T[]> {
  const generic = genericPools.get(client);
  if (generic) return (await generic.unsafe(text, params, { prepare: true })) as unknown as T[];
  // One connection, three messages sent without waiting: one round trip instead of a BEGIN, the
  // statement and a COMMIT each waiting for the one before. COMMIT after a failure rolls back.
  const conn = await client.reserve();
  try {
    const done = await Promise.allSettled([conn.unsafe(begin, [], SIMPLE), conn.unsafe(text, params, { prepare: true }), conn.unsafe("commit", [], SIMPLE)]);
    const failed = done.find((d) => d.status === "rejected");
    if (failed) throw failed.reason;
    return (done[1] as PromiseFulfilledResult<unknown>).value as T[];
  } finally {
    conn.release();
  }
}

/**
 * Maps a row a runner returned (driver column names and values) to the
 * table's typed row, as drizzle's own select would: every column, so a
 * column added to the table is carried without touching the callers.
 */
export function rowOf<T extends Table>(table: T): (raw: Record<string, unknown>) => T["$inferSelect"] {
  const columns = Object.entries(getTableColumns(table));
  return (raw) => Object.fromEntries(columns.map(([key, col]) => [key, raw[col.name] == null ? null : col.mapFromDriverValue(raw[col.name])])) as T["$inferSelect"];
}
