import type { PositionFix } from "../../../protocol/index.ts";
import type { FixFlag } from "./gps-quality.ts";

/** One agent message's fixes, flagged; acked (by seq) when the batch holding them commits. */
export interface PositionBatchItem {
  vehicleId: string;
  seq?: number;
  fixes: readonly PositionFix[];
  flags: readonly (FixFlag | null)[];
}

/** NaN stands for a missing speed, heading or accuracy, so that every number column stays an unboxed double array. */
const NONE = NaN;

/**
 * Fixes waiting for the database, held column by column. Under load a fix
 * waits 50–150 ms for its batch to commit: long enough that an object per fix
 * outlived the young generation and made garbage collection the largest
 * single cost of ingest (a tenth of the process, `node --cpu-prof` during
 * npm run bench:ingest). Numbers in plain double arrays hold no object per fix,
 * and the columns are what the insert sends anyway.
 */
export class PositionBatch {
  vehicleId: string[] = [];
  ts: number[] = [];
  lat: number[] = [];
  lon: number[] = [];
  speed: number[] = [];
  heading: number[] = [];
  accuracy: number[] = [];
  flag: (FixFlag | null)[] = [];
  /** Per message: its vehicle, its seq (NaN when it has none) and how many rows it holds. */
  messageVehicle: string[] = [];
  messageSeq: number[] = [];
  messageRows: number[] = [];

  get rows(): number {
    return this.ts.length;
  }

  get messages(): number {
    return this.messageSeq.length;
  }

  add(item: PositionBatchItem): void {
    item.fixes.forEach((f, i) => {
      this.vehicleId.push(item.vehicleId);
      this.ts.push(f.ts);
      this.lat.push(f.lat);
      this.lon.push(f.lon);
      this.speed.push(f.speed ?? NONE);
      this.heading.push(f.heading ?? NONE);
      this.accuracy.push(f.accuracy ?? NONE);
      this.flag.push(item.flags[i] ?? null);
    });
    this.messageVehicle.push(item.vehicleId);
    this.messageSeq.push(item.seq ?? NONE);
    this.messageRows.push(item.fixes.length);
  }

  /**
   * Moves the first whole messages holding at most `maxRows` rows (always at
   * least one message) into a batch of their own; all of them when they fit.
   */
  takeFirst(maxRows: number): PositionBatch {
    let rows = 0;
    let messages = 0;
    while (messages < this.messages && (messages === 0 || rows + this.messageRows[messages]! <= maxRows)) rows += this.messageRows[messages++]!;
    const taken = new PositionBatch();
    const from = this as unknown as Record<string, unknown[]>;
    const to = taken as unknown as Record<string, unknown[]>;
    for (const key of ROW_COLUMNS) to[key] = from[key]!.splice(0, rows);
    for (const key of MESSAGE_COLUMNS) to[key] = from[key]!.splice(0, messages);
    return taken;
  }

  /** The seqs to ack, per vehicle. */
  acks(): Map<string, number[]> {
    const seqs = new Map<string, number[]>();
    this.messageSeq.forEach((seq, i) => {
      if (Number.isNaN(seq)) return;
      const vehicleId = this.messageVehicle[i]!;
      const list = seqs.get(vehicleId);
      if (list) list.push(seq);
      else seqs.set(vehicleId, [seq]);
    });
    return seqs;
  }
}

const ROW_COLUMNS = ["vehicleId", "ts", "lat", "lon", "speed", "heading", "accuracy", "flag"] as const;
const MESSAGE_COLUMNS = ["messageVehicle", "messageSeq", "messageRows"] as const;
