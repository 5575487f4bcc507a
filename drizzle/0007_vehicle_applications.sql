CREATE TYPE "public"."application_status" AS ENUM('pending', 'approved', 'rejected');--> statement-breakpoint
ALTER TYPE "public"."staff_role" ADD VALUE 'authority';--> statement-breakpoint
CREATE TABLE "vehicle_applications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"vehicle_id" uuid NOT NULL,
	"operator_id" uuid,
	"person_id" uuid NOT NULL,
	"driver_name_enc" text NOT NULL,
	"phone_enc" text NOT NULL,
	"licence_enc" text NOT NULL,
	"status" "application_status" DEFAULT 'pending' NOT NULL,
	"reason" text,
	"decided_at" timestamp with time zone,
	"decided_by" uuid,
	"page_token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vehicle_applications_vehicle_id_unique" UNIQUE("vehicle_id"),
	CONSTRAINT "vehicle_applications_page_token_hash_unique" UNIQUE("page_token_hash")
);
--> statement-breakpoint
ALTER TABLE "vehicle_applications" ADD CONSTRAINT "vehicle_applications_vehicle_id_vehicles_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "public"."vehicles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vehicle_applications" ADD CONSTRAINT "vehicle_applications_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "vehicle_applications_queue_idx" ON "vehicle_applications" USING btree ("status","operator_id","created_at");