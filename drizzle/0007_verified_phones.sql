CREATE TABLE "phone_codes" (
	"phone_hash" text PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "phone_verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "checkins" ADD COLUMN "verified" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "recent_scans" ADD COLUMN "verified" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "recent_scans" DROP CONSTRAINT "recent_scans_pkey";--> statement-breakpoint
ALTER TABLE "recent_scans" ADD CONSTRAINT "recent_scans_person_id_verified_pk" PRIMARY KEY("person_id","verified");
