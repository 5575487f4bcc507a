import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { MAX_BATCH_POINTS, type AgentChannel } from "../../../protocol/index.ts";

/**
 * The on-disk outbox (DESIGN §4): every message the agent makes is written here
 * first, with its `seq`, and deleted only when the server's `ack` names it — a
 * broker's PUBACK only proves the broker has it. SQLite in WAL mode with
 * synchronous=FULL, so a row that `add` returned survives `kill -9` and a
 * power cut.
 *
 * Fixes are stored one per row. When the backlog drains, up to 500 of them are
 * grouped into a batch that gets its own seq (recorded in `batch`, so a late
 * ack for that batch still finds its rows after a restart).
 *
 * The same file keeps the agent's small state (open trip, replay cursor) in
 * `state`, written in the same transaction as the messages it explains, so a
 * crash never leaves a trip open without its start event or a fix sent twice.
 */

export type OutboxChannel = Exclude<AgentChannel, "status">;

export interface OutboxRow {
  seq: number;
  channel: OutboxChannel;
  body: string;
}

/** A message ready to publish: its seq, topic channel and JSON payload (seq included). */
export interface OutgoingMessage {
  seq: number;
  channel: OutboxChannel;
  payload: string;
  /** Fix rows it carries: 1 for a single fix, up to 500 for a batch, 0 for other messages. */
  fixes: number;
}

export function openOutbox(file: string) {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // FULL: the WAL is fsynced on every commit; an acknowledged add() is on disk.
  db.pragma("synchronous = FULL");
  db.exec(`
    CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY,
      channel TEXT NOT NULL,
      body TEXT NOT NULL,
      batch INTEGER
    );
    CREATE INDEX IF NOT EXISTS outbox_batch_idx ON outbox (batch) WHERE batch IS NOT NULL;
    CREATE INDEX IF NOT EXISTS outbox_channel_idx ON outbox (channel, seq);
    CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT OR IGNORE INTO state (key, value) VALUES ('next_seq', '1');
  `);

  const q = {
    nextSeq: db.prepare<[], { value: string }>(`SELECT value FROM state WHERE key = 'next_seq'`),
    bumpSeq: db.prepare<[string]>(`UPDATE state SET value = ? WHERE key = 'next_seq'`),
    insert: db.prepare<[number, string, string]>(`INSERT INTO outbox (seq, channel, body) VALUES (?, ?, ?)`),
    getState: db.prepare<[string], { value: string }>(`SELECT value FROM state WHERE key = ?`),
    setState: db.prepare<[string, string]>(`INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    deleteState: db.prepare<[string]>(`DELETE FROM state WHERE key = ?`),
    deleteAcked: db.prepare<[number, number]>(`DELETE FROM outbox WHERE seq = ? OR batch = ?`),
    newestFix: db.prepare<[], OutboxRow & { batch: number | null }>(
      `SELECT seq, channel, body, batch FROM outbox WHERE channel = 'position' ORDER BY seq DESC LIMIT 1`,
    ),
    others: db.prepare<[number], OutboxRow>(`SELECT seq, channel, body FROM outbox WHERE channel <> 'position' ORDER BY seq LIMIT ?`),
    batches: db.prepare<[], { batch: number }>(`SELECT DISTINCT batch FROM outbox WHERE batch IS NOT NULL ORDER BY batch`),
    batchRows: db.prepare<[number], { body: string }>(`SELECT body FROM outbox WHERE batch = ? ORDER BY seq`),
    unbatchedFixes: db.prepare<[number], { seq: number }>(
      `SELECT seq FROM outbox WHERE channel = 'position' AND batch IS NULL ORDER BY seq LIMIT ?`,
    ),
    assignBatch: db.prepare<[number, number]>(`UPDATE outbox SET batch = ? WHERE seq = ?`),
    count: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM outbox`),
    countFixes: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM outbox WHERE channel = 'position'`),
  };

  function takeSeq(): number {
    const seq = Number(q.nextSeq.get()!.value);
    q.bumpSeq.run(String(seq + 1));
    return seq;
  }

  function getState<T>(key: string): T | undefined {
    const row = q.getState.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  function setState(key: string, value: unknown): void {
    if (value === undefined) q.deleteState.run(key);
    else q.setState.run(key, JSON.stringify(value));
  }

  /** Stores one message (without seq; the seq is added when it is sent) and returns its seq. */
  function add(channel: OutboxChannel, body: object): number {
    const seq = takeSeq();
    q.insert.run(seq, channel, JSON.stringify(body));
    return seq;
  }

  const withSeq = (body: string, seq: number) => `${body.slice(0, -1)},"seq":${seq}}`;

  /** The message for a batch already formed (after a restart or a resend), or null once all its rows are acked. */
  function batchMessage(batch: number): OutgoingMessage | null {
    const rows = q.batchRows.all(batch);
    if (rows.length === 0) return null;
    return { seq: batch, channel: "position", payload: `{"points":[${rows.map((r) => r.body).join(",")}],"seq":${batch}}`, fixes: rows.length };
  }

  return {
    file,
    /** Runs `fn` in one transaction: messages added and state set inside it are stored together or not at all. */
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    add,
    /** True inside `transaction`: nothing written there may be sent before it commits. */
    get inTransaction(): boolean {
      return db.inTransaction;
    },
    getState,
    setState,

    /**
     * The server committed (or refused for good) these seqs: delete the
     * messages, and for a batch seq every fix it carried. Returns rows deleted.
     */
    ack(seqs: readonly number[]): number {
      return db.transaction(() => seqs.reduce((n, seq) => n + q.deleteAcked.run(seq, seq).changes, 0))();
    },

    /**
     * The newest fix, if it is newer than `after` and not part of a batch: it
     * goes out first, on its own, ahead of the backlog.
     */
    newestFix(after: number): OutgoingMessage | null {
      const row = q.newestFix.get();
      if (!row || row.batch !== null || row.seq <= after) return null;
      return { seq: row.seq, channel: "position", payload: withSeq(row.body, row.seq), fixes: 1 };
    },

    /** Trip events and check-ins, oldest first. */
    otherMessages(limit: number): OutgoingMessage[] {
      return q.others.all(limit).map((r) => ({ seq: r.seq, channel: r.channel, payload: withSeq(r.body, r.seq), fixes: 0 }));
    },

    /** Seqs of batches already formed and not yet acked, oldest first. */
    formedBatches(): number[] {
      return q.batches.all().map((r) => r.batch);
    },
    batchMessage,

    /**
     * Groups the oldest unbatched fixes (not in `skip`, i.e. not in flight as
     * singles) into a new batch with its own seq.
     */
    formBatch(skip: ReadonlySet<number>, max = MAX_BATCH_POINTS): OutgoingMessage | null {
      return db.transaction(() => {
        const seqs = q.unbatchedFixes
          .all(max + skip.size)
          .map((r) => r.seq)
          .filter((s) => !skip.has(s))
          .slice(0, max);
        if (seqs.length === 0) return null;
        const batch = takeSeq();
        for (const s of seqs) q.assignBatch.run(batch, s);
        return batchMessage(batch);
      })();
    },

    size(): number {
      return q.count.get()!.n;
    },
    pendingFixes(): number {
      return q.countFixes.get()!.n;
    },
    close(): void {
      db.close();
    },
  };
}

export type Outbox = ReturnType<typeof openOutbox>;
