import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index.ts";
import { genericPlanPool } from "./prepared.ts";
import { lockDataDir } from "./data-dir-lock.ts";

/** The database as every repository sees it: nothing above this file knows the driver. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  /** "pglite" (embedded, one connection) or "postgres" (postgres.js pool). */
  driver: "pglite" | "postgres";
  /** The postgres.js client, for the bulk paths that need COPY or unnest arrays; null on PGlite. */
  postgres: postgres.Sql | null;
  /** The PGlite instance, for its bulk paths; null on PostgreSQL. */
  pglite: PGlite | null;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL("../../../drizzle", import.meta.url));

/** Opens PostgreSQL when a URL is given, else PGlite in `dataDir` (or in memory when dataDir is null). */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string | null; poolSize?: number }): Promise<Database> {
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, {
      max: opts.poolSize ?? 10,
      onnotice: () => {},
      // Timestamps stay Date objects; numeric stays text so money-like values never lose precision.
    });
    const generic = genericPlanPool(client, opts.databaseUrl);
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    await migrateOnce(opts.databaseUrl);
    const close = async () => void (await Promise.all([client.end({ timeout: 5 }), generic.end({ timeout: 5 })]));
    return { db, driver: "postgres", postgres: client, pglite: null, close };
  }
  let dataPath: string | undefined;
  let release = () => {};
  if (opts.dataDir) {
    dataPath = path.join(opts.dataDir, "pglite");
    mkdirSync(dataPath, { recursive: true });
    // One process at a time on the folder (data-dir-lock.ts): a second one would destroy it.
    release = lockDataDir(opts.dataDir);
  }
  try {
    const pg = new PGlite(dataPath);
    const db = drizzlePglite(pg, { schema }) as unknown as Db;
    await migratePglite(db as never, { migrationsFolder });
    return {
      db,
      driver: "pglite",
      postgres: null,
      pglite: pg,
      async close() {
        await pg.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** Any fixed number: the key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 7_468_203_151;

/**
 * Several server processes (SERVER_ROLE web and ingest) may start at once on
 * one database: the first migrates while the others wait on a session
 * advisory lock, then find nothing left to do. One connection of its own, so
 * the lock and the migration share a session.
 */
async function migrateOnce(databaseUrl: string) {
  const session = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(session, { schema }), { migrationsFolder });
  } finally {
    await session.end({ timeout: 5 });
  }
}

/** Rows of a raw `db.execute(sql…)`, which PGlite returns as `{rows}` and postgres.js as an array. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
