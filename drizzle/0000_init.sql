CREATE TYPE "public"."staff_role" AS ENUM('admin', 'operator', 'tracer');--> statement-breakpoint
CREATE TYPE "public"."vehicle_kind" AS ENUM('bus', 'taxi', 'ride_hail', 'coach');--> statement-breakpoint
CREATE TYPE "public"."health_status" AS ENUM('clear', 'close_contact', 'case');--> statement-breakpoint
CREATE TYPE "public"."checkin_source" AS ENUM('scan', 'pass', 'companion');--> statement-breakpoint
CREATE TABLE "operators" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operators_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" "staff_role" NOT NULL,
	"operator_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "vehicle_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"vehicle_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "vehicles" (
	"id" uuid PRIMARY KEY NOT NULL,
	"plate" text NOT NULL,
	"kind" "vehicle_kind" NOT NULL,
	"operator_id" uuid,
	"route_id" text,
	"capacity" integer,
	"agent_password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "persons" (
	"id" uuid PRIMARY KEY NOT NULL,
	"phone_hash" text NOT NULL,
	"phone_enc" text NOT NULL,
	"name_enc" text,
	"status" "health_status" DEFAULT 'clear' NOT NULL,
	"status_set_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "persons_phone_hash_unique" UNIQUE("phone_hash")
);
--> statement-breakpoint
CREATE TABLE "checkins" (
	"id" uuid NOT NULL,
	"vehicle_id" uuid NOT NULL,
	"boarded_at" timestamp with time zone NOT NULL,
	"person_id" uuid NOT NULL,
	"source" "checkin_source" NOT NULL,
	"companion_of" uuid,
	"seat" text,
	"alighted_at" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkins_vehicle_id_boarded_at_id_pk" PRIMARY KEY("vehicle_id","boarded_at","id")
) PARTITION BY RANGE ("boarded_at");
--> statement-breakpoint
CREATE TABLE "positions" (
	"vehicle_id" uuid NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"speed" real,
	"heading" real,
	"accuracy" real,
	"flag" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "positions_vehicle_id_ts_pk" PRIMARY KEY("vehicle_id","ts")
) PARTITION BY RANGE ("ts");
--> statement-breakpoint
CREATE TABLE "trips" (
	"id" uuid PRIMARY KEY NOT NULL,
	"vehicle_id" uuid NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"route_id" text,
	"direction" text,
	"driver_id" text,
	"order_ref" text
);
--> statement-breakpoint
CREATE TABLE "vehicle_state" (
	"vehicle_id" uuid PRIMARY KEY NOT NULL,
	"last_ts" timestamp with time zone,
	"lat" double precision,
	"lon" double precision,
	"speed" real,
	"heading" real,
	"open_trip_id" uuid,
	"online" boolean DEFAULT false NOT NULL,
	"agent_version" text,
	"status_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"actor_name" text NOT NULL,
	"action" text NOT NULL,
	"subject_person_id" uuid,
	"reason" text,
	"details" jsonb
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vehicle_codes" ADD CONSTRAINT "vehicle_codes_vehicle_id_vehicles_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "public"."vehicles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vehicles" ADD CONSTRAINT "vehicles_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_expires_idx" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "vehicle_codes_vehicle_idx" ON "vehicle_codes" USING btree ("vehicle_id");--> statement-breakpoint
CREATE INDEX "vehicles_operator_idx" ON "vehicles" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "vehicles_plate_idx" ON "vehicles" USING btree ("plate");--> statement-breakpoint
CREATE INDEX "checkins_id_idx" ON "checkins" USING btree ("id");--> statement-breakpoint
CREATE INDEX "checkins_person_idx" ON "checkins" USING btree ("person_id","boarded_at");--> statement-breakpoint
CREATE INDEX "trips_vehicle_time_idx" ON "trips" USING btree ("vehicle_id","started_at");--> statement-breakpoint
CREATE INDEX "trips_open_idx" ON "trips" USING btree ("vehicle_id") WHERE "trips"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_subject_idx" ON "audit_log" USING btree ("subject_person_id");--> statement-breakpoint
-- Hand-written: day partitions are created ahead by db/partitions.ts; the default
-- partitions catch rows far outside that window so that no write ever fails.
CREATE TABLE "checkins_default" PARTITION OF "checkins" DEFAULT;--> statement-breakpoint
CREATE TABLE "positions_default" PARTITION OF "positions" DEFAULT;
