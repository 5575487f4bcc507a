CREATE TABLE "drivers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"operator_id" uuid,
	"ref" text NOT NULL,
	"name_enc" text NOT NULL,
	"phone_enc" text,
	"phone_hash" text,
	"page_token_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drivers_page_token_hash_unique" UNIQUE("page_token_hash"),
	CONSTRAINT "drivers_operator_ref_unique" UNIQUE NULLS NOT DISTINCT("operator_id","ref")
);
--> statement-breakpoint
CREATE TABLE "vehicle_drivers" (
	"vehicle_id" uuid NOT NULL,
	"driver_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vehicle_drivers_vehicle_id_driver_id_pk" PRIMARY KEY("vehicle_id","driver_id")
);
--> statement-breakpoint
ALTER TABLE "drivers" ADD CONSTRAINT "drivers_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vehicle_drivers" ADD CONSTRAINT "vehicle_drivers_vehicle_id_vehicles_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "public"."vehicles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vehicle_drivers" ADD CONSTRAINT "vehicle_drivers_driver_id_drivers_id_fk" FOREIGN KEY ("driver_id") REFERENCES "public"."drivers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drivers_phone_idx" ON "drivers" USING btree ("phone_hash");--> statement-breakpoint
CREATE INDEX "vehicle_drivers_driver_idx" ON "vehicle_drivers" USING btree ("driver_id");