import path from "node:path";
import { parse } from "csv-parse/sync";
import { unzipSync } from "fflate";
import { gtfsFiles, requiredColumns, requiredFiles, type GtfsFileName, type GtfsRow } from "./gtfs.files.ts";
import { problemList, type FeedProblem } from "./gtfs.problems.ts";

export type FeedRows = { [F in GtfsFileName]: GtfsRow<F>[] };

/**
 * Reads a GTFS zip into typed rows, checking every cell against gtfs.files.ts.
 * Nothing is written; problems are returned with their file, line and column.
 */
export function readFeed(zip: Uint8Array): { rows: FeedRows; problems: FeedProblem[] } {
  const problems = problemList();
  let entries: Record<string, Uint8Array>;
  try {
    // Only the files this project reads are inflated: a feed's other files may be large.
    entries = unzipSync(zip, { filter: (f) => path.posix.basename(f.name) in gtfsFiles });
  } catch (err) {
    return { rows: emptyRows(), problems: [{ file: "(zip)", message: `not a readable zip file: ${(err as Error).message}` }] };
  }
  const byName = new Map(Object.entries(entries).map(([name, bytes]) => [path.posix.basename(name), bytes]));
  for (const file of requiredFiles) {
    if (!byName.has(file)) problems.add({ file, message: "required file is missing from the feed" });
  }
  if (!byName.has("calendar.txt") && !byName.has("calendar_dates.txt")) {
    problems.add({ file: "calendar.txt", message: "the feed needs calendar.txt or calendar_dates.txt" });
  }
  const rows = emptyRows();
  for (const [file, bytes] of byName) {
    (rows as Record<string, unknown[]>)[file] = readFile(file as GtfsFileName, bytes, problems);
  }
  return { rows, problems: problems.all };
}

function readFile<F extends GtfsFileName>(file: F, bytes: Uint8Array, problems: ReturnType<typeof problemList>): GtfsRow<F>[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(Buffer.from(bytes), { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number; column?: number };
    problems.add({ file, line: e.lines, message: `not valid CSV: ${e.message}` });
    return [];
  }
  const [header, ...body] = records;
  if (!header) {
    problems.add({ file, line: 1, message: "the file is empty: it needs a header line" });
    return [];
  }
  const columns = header.record;
  const missing = requiredColumns(file).filter((c) => !columns.includes(c));
  for (const column of missing) problems.add({ file, line: 1, column, message: "required column is missing from the header" });
  if (missing.length) return [];

  const schema = gtfsFiles[file];
  const out: GtfsRow<F>[] = [];
  for (const { record, info } of body) {
    const cells: Record<string, string> = {};
    // Empty cells are absent values in GTFS.
    columns.forEach((c, i) => {
      if (record[i]) cells[c] = record[i]!;
    });
    const parsed = schema.safeParse(cells);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column = String(issue.path[0] ?? "");
        const value = cells[column];
        problems.add({ file, line: info.lines, column, message: value === undefined ? "is required" : `${quoted(value)} ${issue.message}` });
      }
      continue;
    }
    out.push({ ...(parsed.data as object), line: info.lines } as GtfsRow<F>);
  }
  return out;
}

/** A cell as the report shows it: JSON-quoted (a control character shows as \u0000, not raw) and cut short. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function emptyRows(): FeedRows {
  return Object.fromEntries(Object.keys(gtfsFiles).map((f) => [f, []])) as unknown as FeedRows;
}
