import type { Db } from "../db/client.ts";

/**
 * Codes this process resolved a moment ago, with the vehicle and its service
 * state as the database had them. Every check-in and every check-in page
 * starts by resolving a code, and at rush hour the same bus's code is scanned
 * again and again as its passengers board: one statement fewer per scan
 * (npm run bench:checkin: one-tap check-ins +21%, phone check-ins +17%).
 *
 * What was cached is checked again on every use (revoked, retired, rejected),
 * so only a change made after it was read can be missed, and not for long:
 * - in this process, a staff or API-key write clears it before its answer is
 *   sent (app.ts), so a rotation, a retirement or a new plate holds for the
 *   very next scan;
 * - a change made by another process (another web server, the GTFS import)
 *   is seen within TTL_MS, the bound docs/DESIGN.md §6 states.
 * Codes that are not ours are never cached: a flood of made-up codes must not
 * push out the real ones, and it costs what it cost before.
 */
export const CODE_CACHE_TTL_MS = 5_000;
/** Far more vehicles than a city's fleet scans in TTL_MS; past it the oldest go first. */
const MAX_ENTRIES = 50_000;

export interface CodeCache<T> {
  /** The cached value, or `load`'s (kept unless undefined: not ours). */
  read(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  /** Forgets everything: called after a write that may have changed a code, a vehicle or its operator. */
  clear(): void;
}

export function createCodeCache<T>(opts: { ttlMs?: number; max?: number; now?: () => number } = {}): CodeCache<T> {
  const ttlMs = opts.ttlMs ?? CODE_CACHE_TTL_MS;
  const max = opts.max ?? MAX_ENTRIES;
  // Monotonic, not the app's clock: a test's frozen clock must not keep an entry for ever.
  const now = opts.now ?? (() => performance.now());
  let entries = new Map<string, { value: T; until: number }>();
  return {
    async read(key, load) {
      const hit = entries.get(key);
      if (hit && hit.until > now()) return hit.value;
      // A read that started before a clear() may have seen the old row: it is used, not kept.
      const before = entries;
      const value = await load();
      if (value === undefined || entries !== before) return value;
      // A Map keeps insertion order: re-inserting moves the key last, so the first is the oldest.
      entries.delete(key);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, until: now() + ttlMs });
      return value;
    },
    clear() {
      entries = new Map();
    },
  };
}

/** One cache per database per process, shared by every codes repository made over it (routes and pages make their own). */
const caches = new WeakMap<Db, CodeCache<unknown>>();

export function codeCacheOf<T>(db: Db): CodeCache<T> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = createCodeCache<unknown>()));
  return cache as CodeCache<T>;
}
