import { z } from "zod";
import { lineString } from "./geo.ts";

/**
 * A trace as the API answers it (DESIGN §7): POST /traces, GET /traces/{id}
 * and the case list. The server's routes describe their answers with these
 * schemas and the console takes its types from them, so the shape is written
 * down once.
 */

export const healthStatus = z.enum(["case", "close_contact", "clear"]);
export type HealthStatus = z.infer<typeof healthStatus>;

const depth = z.union([z.literal(1), z.literal(2)]);

export const traceSegment = z
  .object({
    checkinId: z.string(),
    vehicleId: z.string(),
    plate: z.string().nullable(),
    tripId: z.string().nullable(),
    routeId: z.string().nullable(),
    from: z.string().describe("Boarded (ISO 8601, UTC)"),
    to: z.string().describe("Alighted, or where the ride is taken to have ended (alightEstimated)"),
    alightEstimated: z.boolean(),
    seat: z.string().nullable(),
    path: lineString.nullable().describe("The vehicle's GPS path over the ride, when it sent fixes"),
    unverified: z.boolean().describe("A scan of this phone its owner had not proved: listed apart, not traced from"),
  })
  .meta({ id: "TraceSegment", description: "One ride of the index person" });
export type TraceSegment = z.infer<typeof traceSegment>;

export const traceContact = z
  .object({
    role: z.enum(["passenger", "driver"]),
    personId: z.string().nullable(),
    driverId: z.string().nullable(),
    phone: z.string().nullable(),
    name: z.string().nullable(),
    status: healthStatus.nullable(),
    depth,
    vehicleId: z.string(),
    plate: z.string().nullable(),
    tripId: z.string().nullable(),
    checkinId: z.string().nullable().describe("The contact's own check-in (passengers)"),
    seat: z.string().nullable(),
    boardedAt: z.string().describe("When the contact boarded (a driver: when the trip started)"),
    from: z.string().describe("Start of the time shared with the case (or, at depth 2, with the contact met)"),
    to: z.string().describe("End of that shared time"),
    overlapMinutes: z.number(),
    risk: z.number().describe("0–1: longer overlap, a fuller or smaller vehicle and a near seat raise it; depth 2 lowers it"),
    via: z.object({ personId: z.string().nullable(), driverId: z.string().nullable() }).nullable().describe("At depth 2: the depth-1 contact they met"),
    unverified: z.boolean().describe("Met through a scan whose typed phone was not proved: maybe not the phone's owner (not followed to depth 2, not texted)"),
  })
  .meta({ id: "TraceContact", description: "One stretch a passenger or driver shared a vehicle with the case (or a depth-1 contact)" });
export type TraceContact = z.infer<typeof traceContact>;

export const traceSettings = z.object({
  from: z.string(),
  to: z.string(),
  depth,
  minOverlapMinutes: z.number(),
  reason: z.string().describe("The case reference the trace was run for"),
});
export type TraceSettings = z.infer<typeof traceSettings>;

export const trace = z
  .object({
    id: z.string().uuid(),
    index: z.object({ personId: z.string() }),
    request: traceSettings,
    segments: z.array(traceSegment),
    contacts: z.array(traceContact),
  })
  .meta({ id: "Trace", description: "A trace as stored: contacts carry the phone and name a tracer calls them by" });
export type Trace = z.infer<typeof trace>;

/** A stored trace re-opened: the trace, its case reference, who ran it and when. */
export const storedTrace = trace
  .extend({ reason: z.string(), by: z.string().nullable(), at: z.string() })
  .meta({ id: "StoredTrace", description: "A stored trace re-opened, with its case reference, who ran it and when" });
export type StoredTrace = z.infer<typeof storedTrace>;

export const caseListEntry = z
  .object({
    id: z.string(),
    reason: z.string(),
    index: z.object({ personId: z.string(), maskedName: z.string().nullable() }),
    from: z.string().nullable(),
    to: z.string().nullable(),
    depth: z.number(),
    minOverlapMinutes: z.number().nullable(),
    segments: z.number(),
    contacts: z.number(),
    by: z.string().nullable(),
    byId: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: "CaseListEntry" });
export type CaseListEntry = z.infer<typeof caseListEntry>;

export const caseList = z.object({ traces: z.array(caseListEntry), next: z.string().nullable() });
export type CaseList = z.infer<typeof caseList>;
