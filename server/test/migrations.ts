import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";

/*
 * The project's SQL migrations run one file at a time on a bare PGlite: for
 * tests of what a migration does to data a deployment already holds, which
 * need the schema as it stood just before it.
 */
const DRIZZLE = path.resolve(import.meta.dirname, "../../drizzle");

/** Runs one migration file (e.g. "0013_recent_scan_alighted.sql"), statement by statement. */
export async function runMigration(db: PGlite, file: string): Promise<void> {
  for (const statement of readFileSync(path.join(DRIZZLE, file), "utf8").split("--> statement-breakpoint")) {
    if (statement.trim()) await db.exec(statement);
  }
}

/** Runs every migration numbered before `number` (e.g. "0013"), in order. */
export async function runMigrationsBefore(db: PGlite, number: string): Promise<void> {
  for (const f of readdirSync(DRIZZLE).filter((f) => f.endsWith(".sql") && f < number).sort()) await runMigration(db, f);
}
