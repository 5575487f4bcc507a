import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { positionMessage } from "../../../protocol/index.ts";
import { openOutbox, type Outbox } from "./outbox.ts";

const fix = (i: number) => ({ ts: 1_764_300_000_000 + i * 1000, lat: 30 + i / 1000, lon: -97 });

describe("outbox", () => {
  let dir: string;
  let file: string;
  let outbox: Outbox;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "outbox-"));
    file = path.join(dir, "agent.sqlite");
    outbox = openOutbox(file);
  });
  afterEach(() => {
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives every message its own increasing seq and sends it with that seq", () => {
    const a = outbox.add("position", fix(1));
    const b = outbox.add("trip", { event: "end", tripId: "0192f2c4-0000-7000-8000-000000000000", ts: fix(2).ts });
    expect(b).toBeGreaterThan(a);
    const single = outbox.newestFix(0)!;
    expect(JSON.parse(single.payload)).toEqual({ ...fix(1), seq: a });
    expect(outbox.otherMessages(10).map((m) => [m.seq, m.channel])).toEqual([[b, "trip"]]);
  });

  it("keeps a message until the server's ack names its seq", () => {
    const a = outbox.add("position", fix(1));
    const b = outbox.add("position", fix(2));
    expect(outbox.ack([a])).toBe(1);
    expect(outbox.size()).toBe(1);
    expect(outbox.newestFix(0)!.seq).toBe(b);
    expect(outbox.ack([a])).toBe(0);
  });

  it("sends the newest fix alone and the backlog oldest first in batches of at most 500, each with its own seq", () => {
    const seqs = outbox.transaction(() => Array.from({ length: 1203 }, (_, i) => outbox.add("position", fix(i))));
    const newest = outbox.newestFix(0)!;
    expect(newest.seq).toBe(seqs.at(-1));
    const skip = new Set([newest.seq]);
    const batches = [outbox.formBatch(skip)!, outbox.formBatch(skip)!, outbox.formBatch(skip)!];
    expect(outbox.formBatch(skip)).toBeNull();
    expect(batches.map((b) => b.fixes)).toEqual([500, 500, 202]);
    const first = positionMessage.parse(JSON.parse(batches[0]!.payload));
    expect("points" in first && first.points[0]).toEqual(fix(0));
    expect(first.seq).toBe(batches[0]!.seq);
    expect(new Set([...batches.map((b) => b.seq), ...seqs]).size).toBe(seqs.length + 3);
    // Acking a batch seq deletes every fix it carried.
    expect(outbox.ack([batches[1]!.seq])).toBe(500);
    expect(outbox.pendingFixes()).toBe(703);
  });

  it("survives a reopen: messages, batches, seqs and state are still there", () => {
    const seqs = [1, 2, 3].map((i) => outbox.add("position", fix(i)));
    const batch = outbox.formBatch(new Set())!;
    outbox.transaction(() => {
      outbox.add("checkin", { checkinId: "0192f2c4-0000-7000-8000-000000000001", ts: fix(4).ts, pass: "P1.xxxxxxxxxxxx" });
      outbox.setState("trip", { tripId: "t" });
    });
    outbox.close();
    outbox = openOutbox(file);
    expect(outbox.size()).toBe(4);
    expect(outbox.formedBatches()).toEqual([batch.seq]);
    expect(outbox.batchMessage(batch.seq)!.payload).toBe(batch.payload);
    expect(outbox.getState("trip")).toEqual({ tripId: "t" });
    expect(outbox.add("position", fix(9))).toBeGreaterThan(Math.max(...seqs, batch.seq) + 1);
    // A late ack for the batch made before the restart still clears its fixes.
    expect(outbox.ack([batch.seq])).toBe(3);
  });

  it("stores nothing of a transaction that throws", () => {
    expect(() =>
      outbox.transaction(() => {
        outbox.add("position", fix(1));
        outbox.setState("replay", { next: 1 });
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(outbox.size()).toBe(0);
    expect(outbox.getState("replay")).toBeUndefined();
  });
});
