import { and, desc, eq, gte, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { compiledStatement, genericPlanRunner, rowOf } from "../db/prepared.ts";
import { checkins, recentScans, vehicles } from "../db/schema/index.ts";
import { toRef, type PersonRef, type WhoPart } from "../persons/persons.repository.ts";
import { onBoardSql, tripOpenAt, tripOpenAtSql, tripOpenUntil } from "../tracing/tracing.repository.ts";
import { MAX_ON_BOARD_MS } from "../tracing/tracing.rules.ts";
import type { Clock } from "../clock.ts";
import { createRateLimits, limitedSql, limitedValues, limitedVerdict, type LimitedBy, type Verdict } from "../rate-limit.ts";

export type CheckinRow = typeof checkins.$inferSelect;

const DAY_MS = 86_400_000;
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const LATEST_MS = Date.UTC(2100, 0, 1);

/** The time (epoch ms) a UUID v7 was made, or null for any other UUID. */
export function uuidV7Time(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** A second scan of the same vehicle by the same person within this window returns the first check-in, while it is not alighted. */
export const REPEAT_SCAN_MS = 60_000;

export interface ScanToRecord {
  /** Who is scanning: persons.upsertPart, ownPhonePart or byIdPart. */
  who: WhoPart;
  /** The rate limit this scan counts against, counted in the same statement; nothing is recorded when it refuses. */
  limit?: LimitedBy;
  vehicleId: string;
  checkinId: string;
  at: Date;
  seat: string | null;
  /** Whether the phone's owner is the one scanning (a verified device); an unverified scan has its own repeat-scan slot. */
  verified: boolean;
  now: Date;
}

export interface RecordedScan {
  person: PersonRef;
  created: boolean;
  tripId: string | null;
}

/** A scan the rate limit refused: nothing was recorded. */
export interface RefusedScan {
  refused: Verdict;
}

type PersonRow = Parameters<typeof toRef>[0];

const { onBoard } = onBoardSql;

/**
 * The person's verified ride on this vehicle that they are on board of
 * now by the tracing rules (DESIGN §7): not checked out of, its trip
 * still running (or, with no trip, within the default ride), no later
 * check-in of theirs. This morning's ride on the same bus, never checked
 * out of, is over by those rules; the page must not offer to end it. A
 * statement, for the passenger's page to ask it with the rest
 * (passenger/remembered.repository.ts).
 */
function onBoardRideSql(personId: unknown, vehicleId: unknown, window: OnBoardWindow): SQL {
  return sql`select c.* from checkins c
    ${onBoard("c", window.now, { from: window.from, to: window.to })}
    where c.person_id = ${personId}::uuid and c.vehicle_id = ${vehicleId}::uuid and c.verified and c.alighted_at is null
      and c.boarded_at > ${window.from} and c.boarded_at <= ${window.now} and c_ob.a >= ${window.now}
    order by c.boarded_at desc limit 1`;
}

/** The times onBoardRideSql looks within, as timestamptz expressions (values, or a compiled statement's placeholders). */
export interface OnBoardWindow {
  now: SQL;
  /** now − MAX_ON_BOARD: no ride boarded before it can still be on. */
  from: SQL;
  /** Just after now. */
  to: SQL;
}

/** The values of an OnBoardWindow at `now`, as ISO strings. */
export function onBoardWindowAt(now: Date): { now: string; from: string; to: string } {
  return { now: now.toISOString(), from: new Date(now.getTime() - MAX_ON_BOARD_MS).toISOString(), to: new Date(now.getTime() + 1).toISOString() };
}

/** The values of part `prefix` of a statement's values (a compiled statement's placeholders alike). */
const partOf = (v: Record<string, unknown>, prefix: string) => new Proxy({}, { get: (_, k) => v[`${prefix}${String(k)}`] }) as Record<string, unknown>;

/** recordScan's one statement over its values `v` (see recordScan). */
function recordScanSql(v: Record<string, unknown>, who: WhoPart, limited: boolean): SQL {
  const counted = limited ? limitedSql(partOf(v, "limit_") as Parameters<typeof limitedSql>[0]) : sql`limit_verdict as (select true as allowed, null::timestamptz as window_ends_at)`;
  return sql`
    with ${counted},
    p as (${who.sql(partOf(v, "who_"), sql`(select allowed from limit_verdict)`)}),
    claim as (
      insert into recent_scans as r (person_id, verified, vehicle_id, checkin_id, boarded_at)
      select p.id, ${v.verified}::boolean, ${v.vehicleId}::uuid, ${v.checkinId}::uuid, ${v.at}::timestamptz from p
      on conflict (person_id, verified) do update
        set vehicle_id = excluded.vehicle_id, checkin_id = excluded.checkin_id, boarded_at = excluded.boarded_at, alighted = false
        where not (r.vehicle_id = excluded.vehicle_id
                   and r.boarded_at >= ${v.repeatFrom}::timestamptz
                   and r.boarded_at <= excluded.boarded_at
                   and not r.alighted)
      returning r.person_id
    ),
    ride as (
      insert into checkins (id, vehicle_id, boarded_at, person_id, source, companion_of, seat, received_at, verified)
      select ${v.checkinId}::uuid, ${v.vehicleId}::uuid, ${v.at}::timestamptz, claim.person_id, 'scan'::checkin_source, null::uuid, ${v.seat}::text, ${v.at}::timestamptz, ${v.verified}::boolean
        from claim
      returning 1
    )
    select lim.allowed, lim.window_ends_at, p.id, p.status, p.status_set_at, exists (select 1 from claim) as created,
           ${tripOpenAtSql(v.vehicleId, v.at, v.openUntil)} as trip_id
      from limit_verdict lim left join p on true`;
}

export function createCheckinsRepository({ db, clock }: { db: Db; clock: Clock }) {
  const limits = createRateLimits({ db, clock });
  // The passenger path's statements, prepared on a generic plan (see
  // db/prepared.ts), the check-in itself included: its repeat-scan rule reads
  // the day partitions, and PostgreSQL's own choice planned it at every scan
  // (bench:checkin, PostgreSQL CPU per typed check-in: 720–850 µs planned
  // each time, 480–600 µs on a generic plan).
  const partitionRead = genericPlanRunner(db);
  const partitionWrite = genericPlanRunner(db, { readOnly: false });
  const toRow = rowOf(checkins);
  const first = async (run: typeof partitionRead, query: SQL): Promise<CheckinRow | null> => {
    const [raw] = await run<Record<string, unknown>>(query);
    return raw ? toRow(raw) : null;
  };

  async function byId(id: string): Promise<CheckinRow | null> {
    // A UUID v7 carries the time it was made, within moments of the boarding
    // (the server's clock for a scan, the agent's for a pass): searching the
    // days around it lets PostgreSQL plan over a few day partitions, not all
    // of them (3.4 ms of planning over 30 days, measured). Any other id, or
    // a ride boarded far from its id's time, falls back to every partition.
    const made = uuidV7Time(id);
    // Only a time a ride can have (the bounds every input has): a forged v7 id may claim the year 10000.
    if (made !== null && made > EARLIEST_MS && made < LATEST_MS) {
      const near = await first(
        partitionRead,
        db
          .select()
          .from(checkins)
          .where(and(eq(checkins.id, id), gte(checkins.boardedAt, new Date(made - DAY_MS)), lte(checkins.boardedAt, new Date(made + DAY_MS))))
          .limit(1)
          .getSQL(),
      );
      if (near) return near;
    }
    const [row] = await db.select().from(checkins).where(eq(checkins.id, id)).limit(1);
    return row ?? null;
  }

  /**
   * recordScan's statement, compiled once for each shape of who is scanning
   * and whether a limit counts: building it through drizzle at every scan
   * was a twentieth of a check-in's CPU. Values are named by their part
   * (who_*, limit_*), so the parts' names cannot meet.
   */
  const recordStatements = new Map<string, ReturnType<typeof compiledStatement<Record<string, unknown>>>>();
  function recordStatement(who: WhoPart, limited: boolean) {
    const shape = `${who.shape}${limited ? ", limited" : ""}`;
    let statement = recordStatements.get(shape);
    if (!statement) {
      statement = compiledStatement<Record<string, unknown>>(db, (v) => recordScanSql(v, who, limited), { onGenericPlan: true, readOnly: false });
      recordStatements.set(shape, statement);
    }
    return statement;
  }

  return {
    /**
     * Records a phone scan in one statement (one round trip): the rate
     * limit's count (`limit`), the person (`who`: a statement returning id,
     * status, status_set_at), the repeat-scan claim, the ride, and the trip
     * it belongs to. A limit that refuses records nothing else (`refused`);
     * a claim refused by the repeat-scan rule records nothing (`created`
     * false); null when `who` finds no one. Companions are added after, and
     * only to a ride that was created (addCompanions).
     *
     * The rule returns only a ride still open: once it is alighted, the next
     * scan is a new boarding, however soon. It reads the claim's own
     * `alighted` (kept by a trigger on checkins, migration 0013), not the
     * day partitions: a tap racing the first one waits on the claim's row
     * lock, then re-checks the row as the first tap left it, so it returns
     * that ride and never makes a second.
     */
    async recordScan(scan: ScanToRecord): Promise<RecordedScan | RefusedScan | null> {
      const at = scan.at.toISOString();
      const values: Record<string, unknown> = {
        vehicleId: scan.vehicleId,
        checkinId: scan.checkinId,
        at,
        repeatFrom: new Date(scan.at.getTime() - REPEAT_SCAN_MS).toISOString(),
        seat: scan.seat,
        verified: scan.verified,
        openUntil: tripOpenUntil(scan.at, scan.now).toISOString(),
      };
      for (const [k, v] of Object.entries(scan.who.values)) values[`who_${k}`] = v;
      if (scan.limit) for (const [k, v] of Object.entries(limitedValues(scan.limit, scan.now))) values[`limit_${k}`] = v;
      const [row] = await recordStatement(scan.who, scan.limit !== undefined)<Partial<PersonRow> & { allowed: boolean; window_ends_at: string; created: boolean; trip_id: string | null }>(values);
      if (scan.limit) await limits.sweepNowAndThen(scan.now);
      if (!row!.allowed) return { refused: limitedVerdict(row!, scan.now) };
      if (!row!.id) return null;
      return { person: toRef(row as PersonRow), created: row!.created, tripId: row!.trip_id };
    },

    /** The companions' rides, beside a main ride just created (same vehicle and time, so the same partition). */
    async addCompanions(main: { checkinId: string; vehicleId: string; at: Date }, companions: { checkinId: string; personId: string; verified: boolean }[]) {
      if (companions.length === 0) return;
      await db.insert(checkins).values(
        companions.map((c) => ({
          id: c.checkinId,
          vehicleId: main.vehicleId,
          boardedAt: main.at,
          personId: c.personId,
          source: "companion" as const,
          companionOf: main.checkinId,
          seat: null,
          receivedAt: main.at,
          verified: c.verified,
        })),
      );
    },

    /**
     * Makes an unverified scan of the person's phone, made within the last
     * hour, their verified ride: the device that made it has just proved the
     * phone. It also takes the person's repeat-scan slot, so a one-tap scan a
     * moment later is the same ride. False when there is no such scan.
     */
    async promote(checkinId: string, personId: string, now: Date): Promise<boolean> {
      const made = uuidV7Time(checkinId);
      if (made === null || made > now.getTime() + 60_000 || made < now.getTime() - 3_600_000) return false;
      const [row] = await db
        .update(checkins)
        .set({ verified: true })
        .where(
          and(
            eq(checkins.id, checkinId),
            eq(checkins.personId, personId),
            eq(checkins.source, "scan"),
            eq(checkins.verified, false),
            gte(checkins.boardedAt, new Date(made - 60_000)),
            lte(checkins.boardedAt, new Date(made + 60_000)),
          ),
        )
        .returning();
      if (!row) return false;
      await db
        .insert(recentScans)
        .values({ personId, verified: true, vehicleId: row.vehicleId, checkinId: row.id, boardedAt: row.boardedAt, alighted: row.alightedAt !== null })
        .onConflictDoUpdate({
          target: [recentScans.personId, recentScans.verified],
          set: { vehicleId: row.vehicleId, checkinId: row.id, boardedAt: row.boardedAt, alighted: row.alightedAt !== null },
          where: lte(recentScans.boardedAt, row.boardedAt),
        });
      return true;
    },

    /** The person's own scan of this vehicle in [since, until]: the ride a repeat scan returns. */
    async recentScan(personId: string, vehicleId: string, since: Date, until: Date, verified: boolean): Promise<CheckinRow | null> {
      return first(
        partitionRead,
        db
          .select()
          .from(checkins)
          .where(
            and(
              eq(checkins.personId, personId),
              eq(checkins.vehicleId, vehicleId),
              eq(checkins.source, "scan"),
              eq(checkins.verified, verified),
              gte(checkins.boardedAt, since),
              lte(checkins.boardedAt, until),
            ),
          )
          .orderBy(desc(checkins.boardedAt))
          .limit(1)
          .getSQL(),
      );
    },

    onBoardRideSql,

    async companionsOf(checkinId: string, vehicleId: string, boardedAt: Date): Promise<CheckinRow[]> {
      // Companions share the main check-in's vehicle and time, which prunes to one partition.
      return db
        .select()
        .from(checkins)
        .where(and(eq(checkins.vehicleId, vehicleId), eq(checkins.boardedAt, boardedAt), eq(checkins.companionOf, checkinId)));
    },

    byId,

    /** Marks the check-in and its companions as alighted at `at`; rows already alighted keep their time. Returns the ride's alighting time. */
    async alight(row: CheckinRow, at: Date): Promise<Date> {
      if (row.alightedAt) return row.alightedAt;
      const updated = (
        await partitionWrite<Record<string, unknown>>(
          db
            .update(checkins)
            .set({ alightedAt: at })
            .where(
              and(
                eq(checkins.vehicleId, row.vehicleId),
                eq(checkins.boardedAt, row.boardedAt),
                or(eq(checkins.id, row.id), eq(checkins.companionOf, row.id)),
                isNull(checkins.alightedAt),
              ),
            )
            .returning()
            .getSQL(),
        )
      ).map(toRow);
      const own = updated.find((u) => u.id === row.id);
      // Nothing updated: a concurrent tap alighted it first; its time stands.
      return own?.alightedAt ?? (await byId(row.id))!.alightedAt!;
    },

    /** The trip this scan belongs to (DESIGN §7), by the tracing rule itself. */
    tripAt: (vehicleId: string, at: Date, now: Date) => tripOpenAt(db, vehicleId, at, now),

    /**
     * The person's latest ride at or before `before` (within `days`): for a
     * close contact, the ride that most likely made them one.
     */
    async lastRideBefore(personId: string, before: Date, days = 14) {
      const [ride] = await db
        .select({ vehicleId: checkins.vehicleId, plate: vehicles.plate, routeId: vehicles.routeId, boardedAt: checkins.boardedAt })
        .from(checkins)
        .innerJoin(vehicles, eq(vehicles.id, checkins.vehicleId))
        .where(
          and(
            eq(checkins.personId, personId),
            eq(checkins.verified, true),
            lte(checkins.boardedAt, before),
            gte(checkins.boardedAt, new Date(before.getTime() - days * 86_400_000)),
          ),
        )
        .orderBy(desc(checkins.boardedAt))
        .limit(1);
      return ride ?? null;
    },
  };
}

export type CheckinsRepository = ReturnType<typeof createCheckinsRepository>;
