export * from "./staff.ts";
export * from "./vehicles.ts";
export * from "./persons.ts";
export * from "./movements.ts";
export * from "./audit.ts";
export * from "./traces.ts";
export * from "./rate-limits.ts";
export * from "./gtfs.ts";
