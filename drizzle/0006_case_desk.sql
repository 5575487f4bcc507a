CREATE TYPE "public"."trace_person_role" AS ENUM('index', 'contact');--> statement-breakpoint
CREATE TABLE "person_status_changes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status" "health_status" NOT NULL,
	"expires_at" timestamp with time zone,
	"previous" "health_status" NOT NULL,
	"previous_set_at" timestamp with time zone,
	"previous_expires_at" timestamp with time zone,
	"reason" text,
	"by_id" uuid,
	"by_name" text,
	"reverts" uuid,
	"trace_id" uuid
);
--> statement-breakpoint
CREATE TABLE "trace_persons" (
	"trace_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"role" "trace_person_role" NOT NULL,
	CONSTRAINT "trace_persons_trace_id_person_id_pk" PRIMARY KEY("trace_id","person_id")
);
--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "status_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "trace_id" uuid;--> statement-breakpoint
ALTER TABLE "traces" ADD COLUMN "segment_count" integer;--> statement-breakpoint
ALTER TABLE "traces" ADD COLUMN "contact_count" integer;--> statement-breakpoint
ALTER TABLE "trace_persons" ADD CONSTRAINT "trace_persons_trace_id_traces_id_fk" FOREIGN KEY ("trace_id") REFERENCES "public"."traces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "person_status_changes_person_idx" ON "person_status_changes" USING btree ("person_id","at");--> statement-breakpoint
CREATE INDEX "trace_persons_person_idx" ON "trace_persons" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "persons_status_expires_idx" ON "persons" USING btree ("status_expires_at") WHERE "persons"."status_expires_at" is not null;--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_trace_idx" ON "audit_log" USING btree ("trace_id");--> statement-breakpoint
-- Hand-written: acts recorded before this migration name their trace only in details.
UPDATE "audit_log" SET "trace_id" = ("details"->>'traceId')::uuid WHERE "details"->>'traceId' ~* '^[0-9a-f-]{36}$';--> statement-breakpoint
-- Close contacts marked before quarantines expired get the default quarantine (QUARANTINE_DAYS=14) from their marking.
UPDATE "persons" SET "status_expires_at" = "status_set_at" + interval '14 days' WHERE "status" = 'close_contact' AND "status_set_at" IS NOT NULL;
