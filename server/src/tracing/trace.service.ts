import { pathsFromFixes, type TrackRepository } from "../trips/track.ts";
import type { TraceContact as ApiContact, TraceSegment } from "../../../protocol/api/trace.ts";
import { caseSpans, type Exposure, type Segment, type Source, type StoredIdentity, type TracingRepository, type VehicleInfo } from "./tracing.repository.ts";
import { MAX_ON_BOARD_MS, riskScore } from "./tracing.rules.ts";

export interface TraceRequest {
  personId: string;
  from: Date;
  to: Date;
  depth: 1 | 2;
  minOverlapMinutes: number;
}

/** A ride of the index person, as the API answers it (protocol/api/trace.ts). */
export type { TraceSegment };

/**
 * A contact as the service finds it: the API's shape, but with the stored
 * (encrypted) phone and name in place of the phone, name and status the
 * tracer's view adds (tracing.routes.ts decrypts them).
 */
export type TraceContact = Omit<ApiContact, "phone" | "name" | "status"> & { identity: StoredIdentity | null };

export interface TraceOutcome {
  index: { personId: string };
  segments: TraceSegment[];
  contacts: TraceContact[];
}

const iso = (t: number) => new Date(t).toISOString();
const minutes = (msLen: number) => Math.round((msLen / 60_000) * 100) / 100;

/** A stretch someone spent exposed-or-exposing, with what the risk score needs to know about it. */
interface SourceInfo extends Source {
  seat: string | null;
  depth: 1 | 2;
  via: { personId: string | null; driverId: string | null } | null;
  vehicle: VehicleInfo;
  /** The trip and its driver, when a passenger's stretch was on one (the driver is then a contact). */
  trip: { id: string; start: number; end: number; driverId: string | null } | null;
}

/**
 * A trace (DESIGN §7): the index case's segments, everyone whose time on the
 * same vehicle overlapped them by at least minOverlapMinutes, the drivers of
 * the trips they rode, and at depth 2 the same again from each contact,
 * counting only their time after first exposure.
 */
export function createTraceService(deps: { tracing: TracingRepository; track: TrackRepository }) {
  const { tracing, track } = deps;

  function contactsFrom(sources: SourceInfo[], exposures: Exposure[], minMs: number, exclude: { persons: Set<string>; drivers: Set<string> }) {
    const onBoard = sources.map((s) => new Set<string>(s.personId ? [s.personId] : []));
    for (const e of exposures) onBoard[e.source]!.add(e.personId);
    const rows: (TraceContact & { at: number })[] = [];
    const push = (
      s: SourceInfo,
      k: number,
      c: Omit<TraceContact, "depth" | "vehicleId" | "plate" | "from" | "to" | "overlapMinutes" | "risk" | "via">,
      from: number,
      to: number,
    ) => {
      const overlap = to - from;
      if (overlap <= 0 || overlap < minMs) return;
      const v = s.vehicle;
      const people = onBoard[k]!.size + (s.trip?.driverId || !s.personId ? 1 : 0);
      rows.push({
        ...c,
        depth: s.depth,
        vehicleId: s.vehicleId,
        plate: v.plate,
        from: iso(from),
        to: iso(to),
        overlapMinutes: minutes(overlap),
        risk: riskScore({ overlapMinutes: overlap / 60_000, kind: v.kind, capacity: v.capacity, onBoard: people, sourceSeat: s.seat, contactSeat: c.seat, depth: s.depth }),
        via: s.via,
        at: from,
      });
    };
    for (const e of exposures) {
      if (exclude.persons.has(e.personId)) continue;
      const s = sources[e.source]!;
      push(
        s,
        e.source,
        { role: "passenger", personId: e.personId, driverId: null, tripId: e.tripId, checkinId: e.checkinId, seat: e.seat, boardedAt: iso(e.b), identity: e.person, unverified: !e.verified },
        e.from,
        e.to,
      );
    }
    sources.forEach((s, k) => {
      const t = s.trip;
      if (!t?.driverId || exclude.drivers.has(t.driverId)) return;
      push(
        s,
        k,
        { role: "driver", personId: null, driverId: t.driverId, tripId: t.id, checkinId: null, seat: null, boardedAt: iso(t.start), identity: null, unverified: false },
        Math.max(s.from, t.start),
        Math.min(s.to, t.end),
      );
    });
    return rows;
  }

  const passengerSource = (s: Segment & { from?: number; vehicle: VehicleInfo }, depth: 1 | 2, via: SourceInfo["via"]): SourceInfo => ({
    vehicleId: s.vehicleId,
    vehicle: s.vehicle,
    from: s.from ?? s.b,
    to: s.a,
    personId: s.personId,
    seat: s.seat,
    depth,
    via,
    trip: s.tripId ? { id: s.tripId, start: s.tripStart!, end: s.tripEnd!, driverId: s.driverId } : null,
  });

  return {
    async trace(req: TraceRequest, now: Date): Promise<TraceOutcome> {
      const minMs = req.minOverlapMinutes * 60_000;
      const [from, to] = [req.from.getTime(), req.to.getTime()];
      // The case's segments, their fellow passengers and their paths are three statements that each
      // work out the segments themselves, so they run side by side rather than one after another.
      const [allSegments, exposures1, fixes] = await Promise.all([
        tracing.segments([{ personId: req.personId, boardedFrom: from, boardedTo: to }], now),
        tracing.exposuresOfCase(req.personId, from, to, now),
        track.fixesAround(caseSpans(req.personId, from, to, now), from, to + MAX_ON_BOARD_MS),
      ]);
      // Only the index person's verified rides are theirs to trace from; unverified scans of their phone are listed apart.
      const segments = allSegments.filter((s) => s.verified);
      const unverifiedSegments = allSegments.filter((s) => !s.verified);
      const sources1 = segments.map((s) => passengerSource(s, 1, null));
      const paths = pathsFromFixes(fixes, segments.map((s) => ({ from: s.b, to: s.a })));
      const depth1 = contactsFrom(sources1, exposures1, minMs, { persons: new Set([req.personId]), drivers: new Set() });
      let contacts = depth1;

      if (req.depth === 2 && depth1.length > 0) {
        const firstExposure = new Map<string, number>();
        for (const c of depth1) {
          // A contact met through an unverified scan may not be the phone's owner: their own rides are not followed.
          if (c.unverified) continue;
          const key = c.personId ? `p:${c.personId}` : `d:${c.driverId}`;
          firstExposure.set(key, Math.min(firstExposure.get(key) ?? Infinity, c.at));
        }
        const people = [...firstExposure].filter(([k]) => k.startsWith("p:")).map(([k, at]) => ({ personId: k.slice(2), after: at }));
        const drivers = [...firstExposure].filter(([k]) => k.startsWith("d:")).map(([k, at]) => ({ driverId: k.slice(2), after: at }));
        const before = req.to.getTime();
        const [segs2, trips2] = await Promise.all([
          tracing.segments(people.map((p) => ({ personId: p.personId, boardedFrom: p.after - MAX_ON_BOARD_MS, boardedTo: before, after: p.after })), now),
          tracing.tripsOfDrivers(drivers.map((d) => ({ ...d, before })), now),
        ]);
        const sources2: SourceInfo[] = [
          ...segs2.filter((s) => s.verified).map((s) => passengerSource(s, 2, { personId: s.personId, driverId: null })),
          ...trips2.map((t) => ({
            vehicleId: t.vehicleId,
            vehicle: t.vehicle,
            from: Math.max(t.start, drivers[t.driver]!.after),
            to: t.end,
            personId: null,
            tripId: t.tripId,
            seat: null,
            depth: 2 as const,
            via: { personId: null, driverId: t.driverId },
            trip: null,
          })),
        ];
        const exclude = {
          persons: new Set([req.personId, ...people.map((p) => p.personId)]),
          drivers: new Set(drivers.map((d) => d.driverId)),
        };
        contacts = [...depth1, ...contactsFrom(sources2, await tracing.exposures(sources2, now), minMs, exclude)];
      }

      contacts.sort((x, y) => x.depth - y.depth || x.at - y.at || (x.personId ?? x.driverId ?? "").localeCompare(y.personId ?? y.driverId ?? ""));
      return {
        index: { personId: req.personId },
        segments: segments.map((s, k) => ({
          checkinId: s.checkinId,
          vehicleId: s.vehicleId,
          plate: s.vehicle.plate,
          tripId: s.tripId,
          routeId: s.routeId ?? s.vehicle.routeId,
          from: iso(s.b),
          to: iso(s.a),
          alightEstimated: s.alightEstimated,
          seat: s.seat,
          path: paths[k] ?? null,
          unverified: false,
        })).concat(
          unverifiedSegments.map((s) => ({
            checkinId: s.checkinId,
            vehicleId: s.vehicleId,
            plate: s.vehicle.plate,
            tripId: s.tripId,
            routeId: s.routeId ?? s.vehicle.routeId,
            from: iso(s.b),
            to: iso(s.a),
            alightEstimated: s.alightEstimated,
            seat: s.seat,
            path: null,
            unverified: true,
          })),
        ),
        contacts: contacts.map(({ at: _at, ...c }) => c),
      };
    },
  };
}

export type TraceService = ReturnType<typeof createTraceService>;
export type { Exposure };
