import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../db/client.ts";
import { vehicles } from "../db/schema/index.ts";
import { createTestApp } from "../../test/harness.ts";
import { rawQuery } from "./bulk-query.ts";
import { PositionBatch } from "./position-batch.ts";
import { createVehicleStateWriter } from "./vehicle-state.writer.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

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
