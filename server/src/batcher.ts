import { Overloaded } from "./ingest/work-lane.ts";

/**
 * Work that arrives one item at a time, done a batch at a time: one batch in
 * flight, and the next holds everything that came in meanwhile (up to
 * `maxBatch`). At a vehicle's pace a batch is one item, done at once; when a
 * fleet connects at once — 10,000 statuses and trip starts in a minute — a
 * few statements carry thousands of them, where one by one they held every
 * connection of the pool for minutes, and the positions' inserts waited
 * behind them (docs/scaling.md, "A fleet connected"). Used for ingest's
 * statuses and trip events, the drivers' screens (live-codes.job.ts) and the
 * NATS users file (mqtt/nats-accounts.ts). Past `maxWaiting` an item is
 * refused (Overloaded: an agent's message is dropped unacked and resent), so
 * a database that stopped answering cannot grow the process without end.
 */
export function createBatcher<T, R>(write: (items: T[]) => Promise<R[]>, opts: { maxBatch?: number; maxWaiting?: number } = {}) {
  const maxBatch = opts.maxBatch ?? 2_000;
  const maxWaiting = opts.maxWaiting ?? 50_000;
  let waiting: { item: T; resolve(r: R): void; reject(err: unknown): void }[] = [];
  let writing = false;

  function pump() {
    if (writing || waiting.length === 0) return;
    writing = true;
    const batch = waiting.length > maxBatch ? waiting.splice(0, maxBatch) : waiting;
    if (batch === waiting) waiting = [];
    write(batch.map((w) => w.item))
      .then(
        (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        writing = false;
        pump();
      });
  }

  return {
    /** Resolves with this item's result once its batch is committed. */
    add(item: T): Promise<R> {
      if (waiting.length >= maxWaiting) return Promise.reject(new Overloaded());
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        pump();
      });
    },
    /** Items waiting for a batch (for /metrics). */
    waiting: () => waiting.length,
  };
}
