import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { rowsOf, type Db } from "./client.ts";

/** Tables partitioned by day (DESIGN §8), and the column each is partitioned on. */
export const dayPartitioned = { checkins: "boarded_at", positions: "ts" } as const;
export type PartitionedTable = keyof typeof dayPartitioned;

const DAY_MS = 86_400_000;

function dayStart(t: Date): Date {
  return new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
}

function partitionName(table: PartitionedTable, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

/**
 * Creates the UTC-day partitions covering [from, from + days). A day whose rows
 * already sit in the default partition cannot get its own partition (PostgreSQL
 * refuses); those rows stay in the default partition, where queries and
 * retention still find them.
 */
export async function ensureDayPartitions(db: Db, from: Date, days: number, logger?: Logger): Promise<void> {
  for (const table of Object.keys(dayPartitioned) as PartitionedTable[]) {
    for (let i = 0; i < days; i++) {
      const day = new Date(dayStart(from).getTime() + i * DAY_MS);
      const next = new Date(day.getTime() + DAY_MS);
      const name = partitionName(table, day);
      try {
        await db.execute(
          sql.raw(
            `CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF "${table}" FOR VALUES FROM ('${day.toISOString()}') TO ('${next.toISOString()}')`,
          ),
        );
      } catch (err) {
        logger?.warn({ err, partition: name }, "could not create day partition; rows stay in the default partition");
      }
    }
  }
}

/**
 * Retention: drops whole day partitions that end at or before `cutoff`, and
 * deletes older rows that landed in the default partition. Returns the dropped
 * partition names.
 */
export async function dropPartitionsBefore(db: Db, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  const cutoffDay = dayStart(cutoff);
  for (const [table, column] of Object.entries(dayPartitioned) as [PartitionedTable, string][]) {
    const parts = rowsOf<{ name: string }>(
      await db.execute(sql`
        select c.relname as name from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        join pg_class p on p.oid = i.inhparent
        where p.relname = ${table}`),
    );
    for (const { name } of parts) {
      const m = /_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (!m) continue;
      const day = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
      if (day.getTime() + DAY_MS <= cutoffDay.getTime()) {
        await db.execute(sql.raw(`DROP TABLE IF EXISTS "${name}"`));
        dropped.push(name);
      }
    }
    await db.execute(sql.raw(`DELETE FROM "${table}_default" WHERE "${column}" < '${cutoffDay.toISOString()}'`));
  }
  return dropped;
}
