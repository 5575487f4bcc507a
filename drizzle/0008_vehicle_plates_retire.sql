ALTER TABLE "vehicles" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
-- Plates registered twice before this migration would stop the unique index below from being built:
-- the later ones get " (2)", " (3)" added, so both vehicles keep working and their operator sees which
-- to correct on the fleet page (PATCH /vehicles/{id}).
UPDATE "vehicles" AS v SET "plate" = v."plate" || ' (' || d.n || ')'
FROM (
  SELECT "id", row_number() OVER (PARTITION BY coalesce("operator_id", '00000000-0000-0000-0000-000000000000'::uuid), "plate" ORDER BY "created_at", "id") AS n
  FROM "vehicles"
) AS d
WHERE d."id" = v."id" AND d.n > 1;--> statement-breakpoint
CREATE UNIQUE INDEX "vehicles_operator_plate_uq" ON "vehicles" USING btree (coalesce("operator_id", '00000000-0000-0000-0000-000000000000'::uuid),"plate") WHERE "vehicles"."retired_at" is null;