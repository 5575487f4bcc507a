import { readFileSync } from "node:fs";
import { count, eq, min } from "drizzle-orm";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedDataFile } from "../../../vehicle-agent/test/shared-data.ts";
import { createTestDatabase } from "../../test/harness.ts";
import type { Database } from "../db/client.ts";
import { gtfsRoutes, gtfsShapes, gtfsStops, gtfsStopTimes, gtfsTrips } from "../db/schema/index.ts";
import { importGtfsFeed } from "./gtfs.import.ts";
import { formatProblems, GtfsFeedError } from "./gtfs.problems.ts";

const berlin = sharedDataFile("berlin-gtfs-subset.zip");

/** The Berlin feed with one file's text changed by `edit`. */
function damaged(file: string, edit: (text: string) => string): Uint8Array {
  const files = unzipSync(readFileSync(berlin!));
  files[file] = strToU8(edit(strFromU8(files[file]!)));
  return zipSync(files);
}

async function refusal(zip: Uint8Array): Promise<GtfsFeedError> {
  const err = await importGtfsFeed(db.db, zip).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GtfsFeedError);
  return err as GtfsFeedError;
}

async function tableCounts() {
  const n = async (table: typeof gtfsRoutes | typeof gtfsTrips | typeof gtfsStops | typeof gtfsStopTimes | typeof gtfsShapes) => (await db.db.select({ n: count() }).from(table))[0]!.n;
  return { routes: await n(gtfsRoutes), trips: await n(gtfsTrips), stops: await n(gtfsStops), stopTimes: await n(gtfsStopTimes), shapes: await n(gtfsShapes) };
}

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.close());

describe.skipIf(!berlin)("importing a GTFS feed (Berlin VBB subset)", () => {
  it("loads its 6 routes, 348 trips, 211 stops, 8,865 stop times and 20 shapes, reporting progress", async () => {
    const steps: string[] = [];
    const counts = await importGtfsFeed(db.db, readFileSync(berlin!), (s) => steps.push(`${s.table} ${s.done}/${s.total}`));
    expect(counts).toMatchObject({ routes: 6, trips: 348, stops: 211, stopTimes: 8865, shapes: 20 });
    expect(await tableCounts()).toEqual({ routes: 6, trips: 348, stops: 211, stopTimes: 8865, shapes: 20 });
    expect(steps).toContain("stop times 8865/8865");
    const [first] = await db.db.select({ s: min(gtfsStopTimes.departureSeconds) }).from(gtfsStopTimes).where(eq(gtfsStopTimes.tripId, "146389748"));
    expect(first!.s).toBe(6 * 3600 + 20 * 60);
  });

  it("imports the same feed again without doubling anything", async () => {
    await importGtfsFeed(db.db, readFileSync(berlin!));
    expect(await tableCounts()).toEqual({ routes: 6, trips: 348, stops: 211, stopTimes: 8865, shapes: 20 });
  });

  it("refuses a feed whose stop_times.txt lacks a required column, naming the file, line and column, and changes nothing", async () => {
    const before = await tableCounts();
    const err = await refusal(damaged("stop_times.txt", (t) => t.replace(/^trip_id,arrival_time,departure_time,stop_id,/, "trip_id,arrival_time,departure_time,stop,")));
    expect(err.problems).toContainEqual({ file: "stop_times.txt", line: 1, column: "stop_id", message: "required column is missing from the header" });
    expect(formatProblems(err.problems)).toContain("stop_times.txt:1 column stop_id: required column is missing from the header");
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses a stop time naming an unknown stop, at its line, and changes nothing", async () => {
    const before = await tableCounts();
    // Line 3 of stop_times.txt is the second stop of trip 146389748.
    const err = await refusal(damaged("stop_times.txt", (t) => t.replace("146389748,06:22:30,06:22:30,100000711201,", "146389748,06:22:30,06:22:30,NO_SUCH_STOP,")));
    expect(err.problems).toEqual([{ file: "stop_times.txt", line: 3, column: "stop_id", message: '"NO_SUCH_STOP" is not in stops.txt' }]);
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses a malformed time with its value, line and column", async () => {
    const err = await refusal(damaged("stop_times.txt", (t) => t.replace("146389748,06:22:30,06:22:30,", "146389748,6h22,06:22:30,")));
    expect(formatProblems(err.problems)).toBe('  stop_times.txt:3 column arrival_time: "6h22" must be a time HH:MM:SS');
  });

  it("refuses control characters in a text field (NUL, a bell) with the file, line and column, and changes nothing", async () => {
    const before = await tableCounts();
    const err = await refusal(
      damaged("stops.txt", (t) => t.replace('100000437501,,"Wustermark, Abzweig Wernitz"', '100000437501,,"Wustermark,\u0000 Abzweig Wernitz"').replace("100000437502,,", "100000437502\u0007,,")),
    );
    expect(err.problems).toEqual([
      { file: "stops.txt", line: 2, column: "stop_name", message: '"Wustermark,\\u0000 Abzweig Wernitz" must not contain control characters' },
      { file: "stops.txt", line: 3, column: "stop_id", message: '"100000437502\\u0007" must not contain control characters' },
    ]);
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses an id longer than a trip message can carry", async () => {
    const long = "R".repeat(65);
    const err = await refusal(damaged("routes.txt", (t) => t.replace("1923_700,92,", `${long},92,`)));
    expect(err.problems[0]).toMatchObject({ file: "routes.txt", line: 2, column: "route_id" });
  });

  it("refuses a file that is not a zip", async () => {
    const err = await refusal(strToU8("route_id,route_type\n1,3\n"));
    expect(err.problems[0]!.file).toBe("(zip)");
  });
});
