import type { StoredTrace, Trace as TraceAnswer, TraceContact, TraceSegment } from "../../../protocol/api/trace.ts";

/**
 * The trace as the API answers it (protocol/api/trace.ts): POST /traces
 * gives a Trace, GET /traces/{id} a StoredTrace (the same, with who ran it
 * and when). The case view works on either.
 */
export type Trace = TraceAnswer & Partial<Pick<StoredTrace, "by" | "at">>;
export type Segment = TraceSegment;
export type Contact = TraceContact;

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

/** One person (or driver) among the contacts, with every segment they shared with the case or its contacts. */
export interface PersonRow {
  /** Stable while the trace is shown: the person's first contact's index in the trace. */
  key: number;
  /** The indexes in trace.contacts of this person's segments, earliest first. */
  keys: number[];
  first: Contact;
  segments: Contact[];
  depth: number;
  totalOverlap: number;
  maxRisk: number;
}

const identityOf = (c: Contact) => (c.role === "driver" ? `d|${c.driverId ?? c.name ?? ""}` : `p|${c.personId ?? c.phone ?? c.name ?? ""}`);

/**
 * The contacts as one row per person: a passenger met on two rides, or a
 * driver seen from two segments, is one person to call, not two. The row's
 * depth is the nearest, its risk the highest, its overlap the sum.
 */
export function contactsByPerson(contacts: Contact[]): PersonRow[] {
  const rows = new Map<string, PersonRow>();
  contacts.forEach((c, i) => {
    const id = identityOf(c);
    const row = rows.get(id);
    if (!row) {
      rows.set(id, { key: i, keys: [i], first: c, segments: [c], depth: c.depth, totalOverlap: c.overlapMinutes, maxRisk: c.risk });
      return;
    }
    row.keys.push(i);
    row.segments.push(c);
    row.depth = Math.min(row.depth, c.depth);
    row.totalOverlap += c.overlapMinutes;
    row.maxRisk = Math.max(row.maxRisk, c.risk);
  });
  for (const row of rows.values()) {
    const order = row.keys.map((k, i) => ({ k, c: row.segments[i]! })).sort((a, b) => Date.parse(a.c.from) - Date.parse(b.c.from));
    row.keys = order.map((o) => o.k);
    row.segments = order.map((o) => o.c);
  }
  return [...rows.values()];
}

/** The people to show, in order. */
export function visiblePeople(contacts: Contact[], f: ContactFilter): PersonRow[] {
  const rows = contactsByPerson(contacts)
    .filter((r) => f.depth === "all" || String(r.depth) === f.depth)
    .filter((r) => f.role === "all" || r.first.role === f.role);
  const by: Record<SortKey, (a: PersonRow, b: PersonRow) => number> = {
    risk: (a, b) => b.maxRisk - a.maxRisk || b.totalOverlap - a.totalOverlap,
    overlap: (a, b) => b.totalOverlap - a.totalOverlap || b.maxRisk - a.maxRisk,
    time: (a, b) => Date.parse(a.segments[0]!.from) - Date.parse(b.segments[0]!.from),
  };
  return rows.sort((a, b) => by[f.sort](a, b) || a.key - b.key);
}

/** Is any of this person's segments on board at `t`? */
export const personOnBoardAt = (r: PersonRow, t: number) => r.segments.some((c) => onBoardAt(c, t));

/** The people a bulk mark would reach: depth-1 passengers with a person id, not yet marked. */
export const markablePeople = (rows: PersonRow[]) =>
  rows.filter((r) => r.first.role === "passenger" && r.first.personId && r.depth === 1 && r.first.status !== "case" && r.first.status !== "close_contact");
