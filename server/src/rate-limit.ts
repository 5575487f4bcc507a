import type { Context } from "hono";
import type { Clock } from "./clock.ts";

/**
 * A fixed-window limit per client address, in memory. Enough to stop a
 * script from minting passes, or probing phones' statuses, by the thousand on one server; several servers
 * each keep their own count, which only loosens the limit by that factor.
 */
export function createRateLimiter(opts: { limit: number; windowMs: number; clock: Clock }) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    /** True when the client may go ahead; counts the attempt. */
    take(key: string): boolean {
      const now = opts.clock.now().getTime();
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (now - w.start >= opts.windowMs) windows.delete(k);
      }
      const w = windows.get(key);
      if (!w || now - w.start >= opts.windowMs) {
        windows.set(key, { start: now, count: 1 });
        return true;
      }
      w.count += 1;
      return w.count <= opts.limit;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** The client's socket address when served by @hono/node-server; one shared key otherwise (app.request in tests). */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? "local";
}
