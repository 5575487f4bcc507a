/** A lane or batch is full: the message is dropped unacked, and the agent's outbox sends it again. */
export class Overloaded extends Error {
  constructor() {
    super("too many messages waiting for the database");
  }
}

/**
 * Onboard pass check-ins run through here: at most `maxInFlight` at once, the
 * rest waiting in arrival order, at most `maxWaiting` of them. Each takes a
 * few statements on the shared pool (the person's status, the insert);
 * unbounded, a burst of them — a fleet's outboxes resending after an outage —
 * would hold every connection while the positions' inserts wait (as trip
 * events and statuses did before they were batched: ../batcher.ts). Past
 * `maxWaiting` a message is refused (Overloaded), so a database that stopped
 * answering cannot grow the process without end.
 */
export function createWorkLane(opts: { maxInFlight: number; maxWaiting: number }) {
  const waiting: (() => void)[] = [];
  let head = 0;
  let running = 0;

  function next() {
    running--;
    if (head < waiting.length) {
      running++;
      const start = waiting[head]!;
      waiting[head++] = undefined as never;
      // Compact now and then: a queue that drains from the front never shrinks by itself.
      if (head > 1_024 && head * 2 > waiting.length) {
        waiting.splice(0, head);
        head = 0;
      }
      start();
    }
  }

  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      if (running < opts.maxInFlight) {
        running++;
        return job().finally(next);
      }
      if (waiting.length - head >= opts.maxWaiting) return Promise.reject(new Overloaded());
      return new Promise<T>((resolve, reject) => {
        waiting.push(() => job().then(resolve, reject).finally(next));
      });
    },
    /** Messages waiting for a turn (for /metrics and tests). */
    waiting: () => waiting.length - head,
  };
}
