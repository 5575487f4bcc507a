CREATE TABLE "latest_rides" (
	"person_id" uuid PRIMARY KEY NOT NULL,
	"vehicle_id" uuid,
	"boarded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- Each person's latest verified boarding (schema/movements.ts latestRides), kept
-- by the database at every write of a ride so that no way of recording one
-- (phone scan, pass, companion, a scan verified later) can leave it behind.
-- A boarding at the same instant as the kept one, on another vehicle, leaves
-- the vehicle unknown (null): either could be the ride.
CREATE FUNCTION "latest_ride_kept"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO latest_rides AS l (person_id, vehicle_id, boarded_at)
	VALUES (NEW.person_id, NEW.vehicle_id, NEW.boarded_at)
	ON CONFLICT (person_id) DO UPDATE
		SET vehicle_id = CASE WHEN excluded.boarded_at > l.boarded_at OR l.vehicle_id = excluded.vehicle_id THEN excluded.vehicle_id END,
		    boarded_at = excluded.boarded_at
		WHERE excluded.boarded_at >= l.boarded_at;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "checkins_latest_ride" AFTER INSERT OR UPDATE OF "verified" ON "checkins"
	FOR EACH ROW WHEN (NEW.verified AND NEW.person_id IS NOT NULL) EXECUTE FUNCTION "latest_ride_kept"();
--> statement-breakpoint
INSERT INTO "latest_rides" ("person_id", "vehicle_id", "boarded_at")
SELECT person_id, CASE WHEN count(DISTINCT vehicle_id) = 1 THEN min(vehicle_id::text)::uuid END, boarded_at
  FROM (SELECT person_id, vehicle_id, boarded_at, rank() OVER (PARTITION BY person_id ORDER BY boarded_at DESC) AS r
          FROM checkins WHERE verified AND person_id IS NOT NULL) latest
 WHERE r = 1
 GROUP BY person_id, boarded_at;
