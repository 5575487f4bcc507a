/**
 * The HTTP API's answers, as zod schemas shared by the server (which
 * describes its routes with them in the OpenAPI document) and the console
 * (which takes its types from them with z.infer). Plain zod, no node: the
 * console's bundle may import from here; from `protocol/index.ts` (crypto)
 * or `server/` it may not.
 */
export * from "./geo.ts";
export * from "./trace.ts";
export * from "./live.ts";
export * from "./trips.ts";
export * from "./flow.ts";
export * from "./staff.ts";
export * from "./audit.ts";
export * from "./persons.ts";
export * from "./vehicles.ts";
