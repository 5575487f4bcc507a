import { ackMessage, type AckMessage } from "../../../protocol/index.ts";
import type { Log } from "../log.ts";
import type { OutgoingMessage, Outbox } from "../outbox/outbox.ts";

interface InFlight {
  message: OutgoingMessage;
  sentAt: number;
}

export interface SenderOptions {
  outbox: Outbox;
  publish(message: OutgoingMessage): boolean;
  /** Messages sent and not yet acked, at most. Bounds memory and the broker's queue for this vehicle. */
  window: number;
  /** Resend a message the server has not acked after this long. */
  ackTimeoutMs: number;
  log: Log;
  now?: () => number;
}

/**
 * Drains the outbox over the link, in this order: the newest fix on its own
 * (so the live map is current right after a reconnect), then trip events and
 * check-ins, then the backlog of fixes oldest first in batches of up to 500.
 * At most `window` messages are unacked at a time; one unacked for
 * `ackTimeoutMs` is sent again (the server is idempotent on seq's contents).
 */
export function createSender(opts: SenderOptions) {
  const now = opts.now ?? Date.now;
  const inFlight = new Map<number, InFlight>();
  let connected = false;
  // The newest fix already sent on its own; older fixes go in batches.
  let lastSingle = 0;
  const stats = { sent: 0, resent: 0, acked: 0, rejected: 0, fixesSent: 0 };

  function send(message: OutgoingMessage): boolean {
    if (!opts.publish(message)) return false;
    inFlight.set(message.seq, { message, sentAt: now() });
    stats.sent++;
    stats.fixesSent += message.fixes;
    return true;
  }

  function next(): OutgoingMessage | null {
    const newest = opts.outbox.newestFix(lastSingle);
    if (newest && !inFlight.has(newest.seq)) {
      lastSingle = newest.seq;
      return newest;
    }
    const other = opts.outbox.otherMessages(opts.window + inFlight.size).find((m) => !inFlight.has(m.seq));
    if (other) return other;
    for (const batch of opts.outbox.formedBatches()) {
      if (inFlight.has(batch)) continue;
      const message = opts.outbox.batchMessage(batch);
      if (message) return message;
    }
    const singles = new Set([...inFlight.values()].filter((f) => f.message.fixes === 1).map((f) => f.message.seq));
    return opts.outbox.formBatch(singles);
  }

  function pump(): void {
    // Inside a transaction the rows are not committed yet: a crash now would
    // undo them after the server had them. The caller pumps after the commit.
    if (!connected || opts.outbox.inTransaction) return;
    const t = now();
    for (const flight of inFlight.values()) {
      if (t - flight.sentAt < opts.ackTimeoutMs) continue;
      if (!opts.publish(flight.message)) return;
      flight.sentAt = t;
      stats.resent++;
    }
    while (inFlight.size < opts.window) {
      const message = next();
      if (!message || !send(message)) return;
    }
  }

  return {
    pump,
    connected(): void {
      connected = true;
      // After a reconnect the newest fix goes first again, even if it went out on its own before.
      lastSingle = 0;
      pump();
    },
    disconnected(): void {
      connected = false;
      // Whatever was unacked goes out again on the next connection.
      inFlight.clear();
    },
    /** Handles a raw `ack` payload; returns the parsed ack, or null for a malformed one. */
    ack(payload: Buffer | string): AckMessage | null {
      let parsed;
      try {
        parsed = ackMessage.safeParse(JSON.parse(payload.toString()));
      } catch {
        parsed = null;
      }
      if (!parsed?.success) {
        opts.log.warn("ignored a malformed ack from the server");
        return null;
      }
      const ack = parsed.data;
      const rejected = ack.rejected ?? [];
      const seqs = [...ack.seqs, ...rejected.map((r) => r.seq)];
      opts.outbox.ack(seqs);
      for (const seq of seqs) inFlight.delete(seq);
      // The server lists a refused seq in both `seqs` and `rejected`; count it once, as refused.
      stats.acked += ack.seqs.filter((seq) => !rejected.some((r) => r.seq === seq)).length;
      stats.rejected += rejected.length;
      for (const r of rejected) opts.log.warn(`the server refused message #${r.seq} (${r.code}): ${r.message}`);
      pump();
      return ack;
    },
    inFlight: () => inFlight.size,
    stats: () => ({ ...stats }),
  };
}

export type Sender = ReturnType<typeof createSender>;
