import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../db/client.ts";
import { vehicles } from "../db/schema/index.ts";
import { createTestApp } from "../../test/harness.ts";
import type { PositionBatchItem } from "./position-batch.ts";
import { createPositionWriter } from "./positions.writer.ts";

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
      onCommitted: (batch, inserted) => committed.push({ seqs: [...batch.messageSeq], inserted }),
      onFailed: (_items, err) => failed.push(err),
      onDropped: () => failed.push("dropped"),
    });
    const t0 = Date.now() - 60_000;
    const item = (seq: number, from: number, to: number): PositionBatchItem => ({
      vehicleId,
      seq,
      fixes: Array.from({ length: to - from }, (_, i) => ({ ts: t0 + (from + i) * 1000, lat: 36.6, lon: 117.1 })),
      flags: Array.from({ length: to - from }, () => null),
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

  it("stores each column as sent: exact millisecond times, missing numbers as NULL (never NaN), flags", async () => {
    const vehicleId = randomUUID();
    await t.deps.db.insert(vehicles).values({ id: vehicleId, plate: "W2", kind: "bus", agentPasswordHash: "-" });
    const writer = createPositionWriter(t.database, { onCommitted: () => {}, onFailed: (_b, err) => expect.fail(String(err)), onDropped: () => expect.fail("dropped") });
    const ts = Date.UTC(2026, 10, 28, 7, 59, 59, 987);
    writer.add({
      vehicleId,
      seq: 1,
      fixes: [
        { ts, lat: 36.651234567, lon: 117.120987654, speed: 8.25, heading: 271.5, accuracy: 4 },
        { ts: ts + 1, lat: 0, lon: 0 },
      ],
      flags: [null, "zero"],
    });
    await writer.flush();
    const rows = rowsOf<Record<string, unknown>>(
      await t.deps.db.execute(`select ts, lat, lon, speed, heading, accuracy, flag from positions where vehicle_id = '${vehicleId}' order by ts`),
    );
    expect(rows.map((r) => ({ ...r, ts: new Date(r.ts as string).getTime() }))).toEqual([
      { ts, lat: 36.651234567, lon: 117.120987654, speed: 8.25, heading: 271.5, accuracy: 4, flag: null },
      { ts: ts + 1, lat: 0, lon: 0, speed: null, heading: null, accuracy: null, flag: "zero" },
    ]);
  });
});
