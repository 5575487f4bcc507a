import type postgres from "postgres";

/**
 * What a row costs on disk, measured on real PostgreSQL after a bench has
 * written through the server (docs/scaling.md's arithmetic uses these):
 * the average tuple (pg_column_size of the row) and the whole table with its
 * indexes and TOAST (pg_total_relation_size, summed over a partitioned
 * table's partitions) divided by its rows.
 */
export async function rowSizes(sql: postgres.Sql, tables: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const table of tables) {
    const [r] = await sql.unsafe<{ rows: number; tuple: number | null; total: number | null }[]>(`
      select (select count(*) from ${table})::int as rows,
             (select avg(pg_column_size(t.*)) from ${table} t)::float8 as tuple,
             (select coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) + pg_total_relation_size('${table}'::regclass)
                from pg_inherits i where i.inhparent = '${table}'::regclass)::float8 as total`);
    if (!r || r.rows === 0) continue;
    lines.push(`${table.padEnd(12)} ${r.rows.toLocaleString("en-US").padStart(9)} rows: tuple ${Math.round(r.tuple ?? 0)} B, with indexes and pages ${Math.round((r.total ?? 0) / r.rows)} B/row`);
  }
  return lines;
}
