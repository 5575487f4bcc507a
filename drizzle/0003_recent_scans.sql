CREATE TABLE "recent_scans" (
	"person_id" uuid PRIMARY KEY NOT NULL,
	"vehicle_id" uuid NOT NULL,
	"checkin_id" uuid NOT NULL,
	"boarded_at" timestamp with time zone NOT NULL
);
