import { readFileSync } from "node:fs";
import { ConfigError, loadConfig } from "../config.ts";
import { openDatabase } from "../db/client.ts";
import { DataDirInUseError } from "../db/data-dir-lock.ts";
import { importGtfsFeed, type ImportProgress } from "./gtfs.import.ts";
import { formatProblems, GtfsFeedError } from "./gtfs.problems.ts";

/**
 * `npm run import:gtfs -- feed.zip`: loads a GTFS timetable into the database
 * the server uses (same DATABASE_URL / DATA_DIR). With the embedded database,
 * stop the server first: PGlite allows one process at a time on its folder.
 */
async function main() {
  const file = process.argv[2];
  if (!file || file.startsWith("-")) {
    console.error("usage: npm run import:gtfs -- feed.zip");
    process.exit(2);
  }
  let zip: Buffer;
  try {
    zip = readFileSync(file);
  } catch (err) {
    console.error(`Cannot read ${file}: ${(err as Error).message}`);
    process.exit(1);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  let database;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    // Most often the server still running on the embedded database: say so, without a stack trace.
    if (!(err instanceof DataDirInUseError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  try {
    const counts = await importGtfsFeed(database.db, zip, progressBar());
    console.log(
      `Imported ${file}: ${counts.agencies} agencies, ${counts.routes} routes, ${counts.stops} stops, ${counts.shapes} shapes, ` +
        `${counts.trips} trips, ${counts.stopTimes} stop times, ${counts.calendars} calendars, ${counts.calendarDates} calendar dates`,
    );
  } catch (err) {
    if (!(err instanceof GtfsFeedError)) throw err;
    console.error(`${file}: ${err.message}.\n${formatProblems(err.problems)}`);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}

/** A one-line bar redrawn in place on a terminal; one line per table when the output is a file or pipe. */
function progressBar(): ImportProgress {
  const tty = process.stdout.isTTY;
  return ({ table, done, total }) => {
    if (!tty) {
      if (done === total) console.log(`  ${table}: ${total}`);
      return;
    }
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stdout.write(`\r  ${table.padEnd(15)} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`);
    if (done === total) process.stdout.write("\n");
  };
}

void main();
