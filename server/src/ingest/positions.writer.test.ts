import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../db/client.ts";
import { vehicles } from "../db/schema/index.ts";
import { createTestApp } from "../../test/harness.ts";
import { createPositionWriter, type PositionBatchItem } from "./positions.writer.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/**
 * The writer tries each batch as a plain insert and falls back to ON CONFLICT
 * only when a row is already there: a resend overlapping stored rows must still
 * store the new fixes once, and be reported committed (so it is acked).
 */
describe("position writer", () => {
  it("stores a resent batch that overlaps stored rows, and a fix sent twice in one batch, once each, and reports both committed", async () => {
    const vehicleId = randomUUID();
    await t.deps.db.insert(vehicles).values({ id: vehicleId, plate: "W1", kind: "bus", agentPasswordHash: "-" });
    const committed: { seqs: (number | undefined)[]; inserted: number }[] = [];
    const failed: unknown[] = [];
    const writer = createPositionWriter(t.database, {
      onCommitted: (items, inserted) => committed.push({ seqs: items.map((i) => i.seq), inserted }),
      onFailed: (_items, err) => failed.push(err),
      onDropped: () => failed.push("dropped"),
    });
    const t0 = Date.now() - 60_000;
    const item = (seq: number, from: number, to: number): PositionBatchItem => ({
      vehicleId,
      seq,
      fixes: Array.from({ length: to - from }, (_, i) => ({ vehicleId, ts: t0 + (from + i) * 1000, lat: 36.6, lon: 117.1, flag: null })),
    });

    writer.add(item(1, 0, 3));
    await writer.flush();
    writer.add(item(2, 1, 5)); // fixes 1-2 are stored already, 3-4 are new
    await writer.flush();
    writer.add(item(3, 5, 6));
    writer.add(item(4, 5, 7)); // fix 5 twice in one batch
    await writer.flush();

    expect(failed).toEqual([]);
    expect(committed.flatMap((c) => c.seqs)).toEqual([1, 2, 3, 4]);
    expect(committed.reduce((n, c) => n + c.inserted, 0)).toBe(7);
    const sql = `select count(*)::int as n, count(distinct ts)::int as d from positions where vehicle_id = '${vehicleId}'`;
    const [row] = rowsOf<{ n: number; d: number }>(await t.deps.db.execute(sql));
    expect(row).toEqual({ n: 7, d: 7 });
  });
});
