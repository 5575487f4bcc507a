/** The trace as POST /api/v1/traces returns it (DESIGN §5), read defensively. */
export interface Segment {
  checkinId: string;
  vehicleId: string;
  plate?: string | null;
  routeId?: string | null;
  tripId: string | null;
  from: string;
  to: string;
  alightEstimated: boolean;
  path: unknown;
}

export interface Contact {
  personId: string | null;
  driverId: string | null;
  phone: string | null;
  name: string | null;
  role: "passenger" | "driver";
  depth: number;
  vehicleId: string;
  plate?: string | null;
  tripId: string | null;
  status?: "case" | "close_contact" | "clear" | null;
  /** When the contact boarded; from/to are the time they shared with the case (or their source). */
  boardedAt?: string;
  from: string;
  to: string;
  overlapMinutes: number;
  risk: number;
}

export interface Trace {
  id: string | null;
  /** The case reference the trace was run for; status changes carry it to the audit log. */
  reason: string | null;
  index: { personId: string };
  segments: Segment[];
  contacts: Contact[];
}

export function readTrace(raw: unknown): Trace {
  const r = (raw ?? {}) as Record<string, unknown>;
  const index = (r.index ?? {}) as { personId?: string };
  const id = (r.id ?? r.traceId ?? null) as string | null;
  const request = (r.request ?? {}) as { reason?: string };
  return {
    id,
    reason: request.reason ?? null,
    index: { personId: index.personId ?? "" },
    segments: Array.isArray(r.segments) ? (r.segments as Segment[]) : [],
    contacts: Array.isArray(r.contacts) ? (r.contacts as Contact[]).map((c) => ({ ...c, depth: c.depth ?? 1, risk: Number(c.risk ?? 0) })) : [],
  };
}

export type SortKey = "risk" | "overlap" | "time";

export interface ContactFilter {
  depth: "all" | "1" | "2";
  role: "all" | "passenger" | "driver";
  sort: SortKey;
}

/** The contacts to show, in order, each with its index in the trace (its stable key). */
export function visibleContacts(contacts: Contact[], f: ContactFilter): { key: number; contact: Contact }[] {
  const rows = contacts
    .map((contact, key) => ({ key, contact }))
    .filter(({ contact }) => f.depth === "all" || String(contact.depth) === f.depth)
    .filter(({ contact }) => f.role === "all" || contact.role === f.role);
  const by: Record<SortKey, (a: Contact, b: Contact) => number> = {
    risk: (a, b) => b.risk - a.risk || b.overlapMinutes - a.overlapMinutes,
    overlap: (a, b) => b.overlapMinutes - a.overlapMinutes || b.risk - a.risk,
    time: (a, b) => Date.parse(a.from) - Date.parse(b.from),
  };
  return rows.sort((a, b) => by[f.sort](a.contact, b.contact) || a.key - b.key);
}

/** Was this contact on board at `t` (epoch ms)? Intervals are inclusive-exclusive, as in the API. */
export const onBoardAt = (c: { from: string; to: string }, t: number) => Date.parse(c.from) <= t && t < Date.parse(c.to);
