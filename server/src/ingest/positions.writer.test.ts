import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../db/client.ts";
import { vehicles } from "../db/schema/index.ts";
import { createTestApp } from "../../test/harness.ts";
import { PositionBatch, type PositionBatchItem } from "./position-batch.ts";
import { createPositionWriter, rawQuery } from "./positions.writer.ts";
import { createVehicleStateWriter } from "./vehicle-state.writer.ts";

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

  it("splits a backlog into batches of whole messages, in order", () => {
    const batch = new PositionBatch();
    const fix = (ts: number) => ({ ts, lat: 1, lon: 2 });
    batch.add({ vehicleId: "a", seq: 1, fixes: [fix(1), fix(2)], flags: [null, null] });
    batch.add({ vehicleId: "b", fixes: [fix(3)], flags: [null] });
    batch.add({ vehicleId: "a", seq: 2, fixes: [fix(4), fix(5)], flags: [null, "jump"] });
    const first = batch.takeFirst(3);
    expect({ ts: first.ts, vehicles: first.vehicleId, messages: first.messages }).toEqual({ ts: [1, 2, 3], vehicles: ["a", "a", "b"], messages: 2 });
    expect({ ts: batch.ts, flags: batch.flag, messages: batch.messages }).toEqual({ ts: [4, 5], flags: [null, "jump"], messages: 1 });
    expect([...first.acks()]).toEqual([["a", [1]]]); // "b" sent no seq
    expect(batch.takeFirst(1).rows).toBe(2); // one message is never split
  });
});

describe("vehicle state writer", () => {
  it("keeps each vehicle's newest good fix, writes at most once per interval, and never moves back to an older fix", async () => {
    const vehicleId = randomUUID();
    await t.deps.db.insert(vehicles).values({ id: vehicleId, plate: "W3", kind: "bus", agentPasswordHash: "-" });
    const query = rawQuery(t.database);
    let writes = 0;
    const state = createVehicleStateWriter((text, params) => (writes++, query(text, params)), { everyMs: 60_000, onFailed: (err) => expect.fail(String(err)) });
    const batchOf = (...fixes: { ts: number; lat: number; flag?: "jump" }[]) => {
      const b = new PositionBatch();
      b.add({ vehicleId, fixes: fixes.map((f) => ({ ts: f.ts, lat: f.lat, lon: 117.1 })), flags: fixes.map((f) => f.flag ?? null) });
      return b;
    };
    const read = async () =>
      rowsOf<{ ts: string; lat: number; speed: number | null }>(await t.deps.db.execute(`select last_ts as ts, lat, speed from vehicle_state where vehicle_id = '${vehicleId}'`))[0];
    const t0 = Date.now() - 60_000;

    state.offer(batchOf({ ts: t0, lat: 36.1 }, { ts: t0 + 2000, lat: 36.3 }, { ts: t0 + 1000, lat: 36.2 }));
    await state.flush();
    expect(await read()).toMatchObject({ lat: 36.3, speed: null });
    expect(new Date((await read())!.ts).getTime()).toBe(t0 + 2000);

    // Within the interval nothing more is written until flushed; a flagged fix and an older one never win.
    state.offer(batchOf({ ts: t0 + 3000, lat: 36.4 }));
    state.offer(batchOf({ ts: t0 + 4000, lat: 99, flag: "jump" }));
    await new Promise((r) => setTimeout(r, 50));
    expect((await read())!.lat).toBe(36.3);
    expect(writes).toBe(1);
    await state.flush();
    expect((await read())!.lat).toBe(36.4);
    state.offer(batchOf({ ts: t0 + 500, lat: 36.0 })); // a late replay
    await state.flush();
    expect((await read())!.lat).toBe(36.4);
    expect(writes).toBe(3);
  });
});
