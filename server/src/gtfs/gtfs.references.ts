import type { FeedRows } from "./gtfs.reader.ts";
import { problemList, type FeedProblem } from "./gtfs.problems.ts";

/**
 * The checks between files: every id a row names must exist where GTFS says it
 * lives, and ids must be unique. A feed that passes these imports whole.
 */
export function checkReferences(rows: FeedRows): FeedProblem[] {
  const problems = problemList();
  const unique = <R extends { line: number }>(file: string, column: string, list: R[], key: (r: R) => string) => {
    const seen = new Map<string, number>();
    for (const r of list) {
      const k = key(r);
      const first = seen.get(k);
      if (first !== undefined) problems.add({ file, line: r.line, column, message: `${JSON.stringify(k)} repeats the row on line ${first}` });
      else seen.set(k, r.line);
    }
    return new Set(seen.keys());
  };
  const mustExist = (file: string, line: number, column: string, id: string | undefined, ids: Set<string>, where: string) => {
    if (id !== undefined && !ids.has(id)) problems.add({ file, line, column, message: `${JSON.stringify(id)} is not in ${where}` });
  };

  const agencies = unique("agency.txt", "agency_id", rows["agency.txt"], (a) => a.agency_id ?? "");
  const routes = unique("routes.txt", "route_id", rows["routes.txt"], (r) => r.route_id);
  const stops = unique("stops.txt", "stop_id", rows["stops.txt"], (s) => s.stop_id);
  const trips = unique("trips.txt", "trip_id", rows["trips.txt"], (t) => t.trip_id);
  const shapes = new Set(rows["shapes.txt"].map((s) => s.shape_id));
  const services = new Set([...rows["calendar.txt"].map((c) => c.service_id), ...rows["calendar_dates.txt"].map((c) => c.service_id)]);
  unique("calendar.txt", "service_id", rows["calendar.txt"], (c) => c.service_id);
  unique("shapes.txt", "shape_pt_sequence", rows["shapes.txt"], (s) => `${s.shape_id} #${s.shape_pt_sequence}`);
  unique("stop_times.txt", "stop_sequence", rows["stop_times.txt"], (s) => `${s.trip_id} #${s.stop_sequence}`);

  // With more than one agency, each route must say whose it is (GTFS: conditionally required).
  const severalAgencies = rows["agency.txt"].length > 1;
  for (const r of rows["routes.txt"]) {
    if (r.agency_id === undefined && severalAgencies) problems.add({ file: "routes.txt", line: r.line, column: "agency_id", message: "is required when the feed has several agencies" });
    mustExist("routes.txt", r.line, "agency_id", r.agency_id, agencies, "agency.txt");
  }
  for (const t of rows["trips.txt"]) {
    mustExist("trips.txt", t.line, "route_id", t.route_id, routes, "routes.txt");
    mustExist("trips.txt", t.line, "service_id", t.service_id, services, "calendar.txt or calendar_dates.txt");
    mustExist("trips.txt", t.line, "shape_id", t.shape_id, shapes, "shapes.txt");
  }
  for (const st of rows["stop_times.txt"]) {
    mustExist("stop_times.txt", st.line, "trip_id", st.trip_id, trips, "trips.txt");
    mustExist("stop_times.txt", st.line, "stop_id", st.stop_id, stops, "stops.txt");
  }
  return problems.all;
}
