-- Trips keyed (vehicle_id, id), as positions and checkins are keyed by vehicle first, so that Citus can
-- distribute them by vehicle_id co-located (docs/scaling.md). The old key was the PRIMARY KEY of 0000_init.
ALTER TABLE "trips" DROP CONSTRAINT "trips_pkey";--> statement-breakpoint
ALTER TABLE "trips" ADD CONSTRAINT "trips_vehicle_id_id_pk" PRIMARY KEY("vehicle_id","id");--> statement-breakpoint
CREATE INDEX "trips_id_idx" ON "trips" USING btree ("id");
