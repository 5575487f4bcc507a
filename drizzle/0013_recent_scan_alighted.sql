ALTER TABLE "recent_scans" ADD COLUMN "alighted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- recent_scans.alighted (schema/movements.ts): whether the claimed ride has
-- been checked out of, kept by the database at the write that checks it out,
-- so the repeat-scan rule reads this row alone and never the day partitions.
CREATE FUNCTION "recent_scan_alighted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE recent_scans SET alighted = true
	 WHERE person_id = NEW.person_id AND verified = NEW.verified AND checkin_id = NEW.id;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "checkins_recent_scan_alighted" AFTER UPDATE OF "alighted_at" ON "checkins"
	FOR EACH ROW WHEN (NEW.alighted_at IS NOT NULL AND OLD.alighted_at IS NULL AND NEW.source = 'scan' AND NEW.person_id IS NOT NULL)
	EXECUTE FUNCTION "recent_scan_alighted"();
--> statement-breakpoint
-- Claims made before this migration: their rides' alighting as it stands.
UPDATE "recent_scans" r SET "alighted" = true
  FROM "checkins" c
 WHERE c.id = r.checkin_id AND c.vehicle_id = r.vehicle_id AND c.boarded_at = r.boarded_at AND c.alighted_at IS NOT NULL;
