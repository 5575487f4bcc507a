import { describe, expect, it } from "vitest";
import { PositionBatch } from "./position-batch.ts";

describe("position batch", () => {
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
