CREATE TABLE "gtfs_agencies" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"timezone" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gtfs_calendar_dates" (
	"service_id" text NOT NULL,
	"date" text NOT NULL,
	"exception_type" smallint NOT NULL,
	CONSTRAINT "gtfs_calendar_dates_service_id_date_pk" PRIMARY KEY("service_id","date")
);
--> statement-breakpoint
CREATE TABLE "gtfs_calendars" (
	"service_id" text PRIMARY KEY NOT NULL,
	"weekdays" smallint[] NOT NULL,
	"start_date" text NOT NULL,
	"end_date" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gtfs_routes" (
	"id" text PRIMARY KEY NOT NULL,
	"agency_id" text,
	"short_name" text,
	"long_name" text,
	"type" integer NOT NULL,
	"color" text
);
--> statement-breakpoint
CREATE TABLE "gtfs_shapes" (
	"id" text PRIMARY KEY NOT NULL,
	"points" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gtfs_stop_times" (
	"trip_id" text NOT NULL,
	"stop_sequence" integer NOT NULL,
	"stop_id" text NOT NULL,
	"arrival_seconds" integer,
	"departure_seconds" integer,
	CONSTRAINT "gtfs_stop_times_trip_id_stop_sequence_pk" PRIMARY KEY("trip_id","stop_sequence")
);
--> statement-breakpoint
CREATE TABLE "gtfs_stops" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"lat" double precision,
	"lon" double precision,
	"parent_station" text
);
--> statement-breakpoint
CREATE TABLE "gtfs_trips" (
	"id" text PRIMARY KEY NOT NULL,
	"route_id" text NOT NULL,
	"service_id" text NOT NULL,
	"headsign" text,
	"direction_id" smallint,
	"shape_id" text
);
--> statement-breakpoint
CREATE INDEX "gtfs_stop_times_stop_idx" ON "gtfs_stop_times" USING btree ("stop_id");--> statement-breakpoint
CREATE INDEX "gtfs_trips_route_idx" ON "gtfs_trips" USING btree ("route_id");