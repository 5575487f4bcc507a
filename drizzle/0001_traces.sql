CREATE TABLE "traces" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"index_person_id" uuid NOT NULL,
	"request" jsonb NOT NULL,
	"result_enc" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "traces_created_idx" ON "traces" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "traces_index_person_idx" ON "traces" USING btree ("index_person_id");--> statement-breakpoint
CREATE INDEX "trips_driver_time_idx" ON "trips" USING btree ("driver_id","started_at");