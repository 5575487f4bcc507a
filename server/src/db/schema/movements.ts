import { sql } from "drizzle-orm";
import {
  boolean,
  doublePrecision,
  index,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

/*
 * Movements: check-ins, positions and trips. `checkins` and `positions` are
 * partitioned by day in the migration (drizzle-kit cannot say so; see
 * drizzle/0000_*.sql and db/partitions.ts). Their keys start with vehicle_id so
 * that Citus can distribute them by vehicle without changing queries, and
 * include the partition column as PostgreSQL requires.
 */

export const checkinSource = pgEnum("checkin_source", ["scan", "pass", "companion"]);

export const checkins = pgTable(
  "checkins",
  {
    id: uuid("id").notNull(),
    vehicleId: uuid("vehicle_id").notNull(),
    /** Server time for a phone scan; the vehicle's clock for a pass read onboard. */
    boardedAt: timestamp("boarded_at", { withTimezone: true }).notNull(),
    personId: uuid("person_id").notNull(),
    source: checkinSource("source").notNull(),
    /** For a companion: the check-in of the passenger who checked them in. */
    companionOf: uuid("companion_of"),
    seat: text("seat"),
    alightedAt: timestamp("alighted_at", { withTimezone: true }),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * False for a scan made with a typed phone its owner has not proved on
     * that device (a one-time code): recorded for tracers, but never shown to
     * or counted as the phone's owner's ride (DESIGN §5, §7). Passes and
     * rides recorded before verification existed count as verified.
     */
    verified: boolean("verified").notNull().default(true),
  },
  (t) => [
    primaryKey({ columns: [t.vehicleId, t.boardedAt, t.id] }),
    index("checkins_id_idx").on(t.id),
    index("checkins_person_idx").on(t.personId, t.boardedAt),
  ],
);

/**
 * Each person's latest phone scan: the repeat-scan rule (a second scan of the
 * same vehicle within a minute is the same check-in) decided by one upsert on
 * this small table, whose row lock orders two racing taps, instead of a lock
 * and a search through the day partitions of checkins.
 */
export const recentScans = pgTable(
  "recent_scans",
  {
    personId: uuid("person_id").notNull(),
    /** Unverified scans of a phone claim their own slot, so a stranger's never meets (or returns) the owner's ride. */
    verified: boolean("verified").notNull().default(true),
    vehicleId: uuid("vehicle_id").notNull(),
    checkinId: uuid("checkin_id").notNull(),
    boardedAt: timestamp("boarded_at", { withTimezone: true }).notNull(),
    /**
     * Whether that ride has been checked out of: kept by a trigger on
     * checkins (migration 0013), so the rule ("the same ride while it is not
     * alighted") is decided on this row alone. Asking checkins instead put
     * every day partition in the statement, and a generic plan locks them
     * all at each scan (bench:checkin, PostgreSQL CPU per typed check-in,
     * five runs each way alternated: 400 → 340 µs on average; the rate's
     * ratio to /health moved less than the machine's noise).
     */
    alighted: boolean("alighted").notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.personId, t.verified] })],
);

/**
 * Each person's latest verified boarding, of any source (scan, pass,
 * companion): kept by a trigger on checkins (migration 0012), so no way of
 * recording a ride can miss it. Only the ride boarded last can be the one a
 * person is on board of (any later boarding ends a ride, DESIGN §7), so the
 * passenger's page asks the day partitions of checkins only when this row
 * names the vehicle whose code was scanned (passenger/remembered.repository.ts).
 */
export const latestRides = pgTable("latest_rides", {
  personId: uuid("person_id").primaryKey(),
  /** Null when two boardings share that instant on different vehicles: either may be the ride. */
  vehicleId: uuid("vehicle_id"),
  boardedAt: timestamp("boarded_at", { withTimezone: true }).notNull(),
});

export const positions = pgTable(
  "positions",
  {
    vehicleId: uuid("vehicle_id").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    lat: doublePrecision("lat").notNull(),
    lon: doublePrecision("lon").notNull(),
    speed: real("speed"),
    heading: real("heading"),
    accuracy: real("accuracy"),
    /** Why a fix is left out of maps and joins (zero, inaccurate, jump, future); null when good. */
    flag: text("flag"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.vehicleId, t.ts] })],
);

export const trips = pgTable(
  "trips",
  {
    /** UUID v7 made on the vehicle, so trips open and close offline. */
    id: uuid("id").notNull(),
    vehicleId: uuid("vehicle_id").notNull(),
    /** Null while only the end event has arrived (late or reordered delivery). */
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    routeId: text("route_id"),
    direction: text("direction"),
    driverId: text("driver_id"),
    /** Taxi fare or ride-hail order reference. */
    orderRef: text("order_ref"),
  },
  (t) => [
    // Keyed by vehicle first, like positions and checkins, so that Citus can distribute trips by vehicle_id
    // co-located with them (a distributed table's unique keys must contain the distribution column).
    // A trip id is unique per vehicle by this key; ingest refuses a trip id another vehicle already has.
    primaryKey({ columns: [t.vehicleId, t.id] }),
    index("trips_id_idx").on(t.id),
    index("trips_vehicle_time_idx").on(t.vehicleId, t.startedAt),
    index("trips_open_idx").on(t.vehicleId).where(sql`${t.endedAt} is null`),
    // Tracing at depth 2 follows an exposed driver to the trips they drove next (tracing/tracing.repository.ts).
    index("trips_driver_time_idx").on(t.driverId, t.startedAt),
  ],
);

/** One row per vehicle: the live map and the live code read this, never history. */
export const vehicleState = pgTable("vehicle_state", {
  vehicleId: uuid("vehicle_id").primaryKey(),
  lastTs: timestamp("last_ts", { withTimezone: true }),
  lat: doublePrecision("lat"),
  lon: doublePrecision("lon"),
  speed: real("speed"),
  heading: real("heading"),
  openTripId: uuid("open_trip_id"),
  online: boolean("online").notNull().default(false),
  agentVersion: text("agent_version"),
  statusAt: timestamp("status_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
