import { createRequire } from "node:module";
import { Readable } from "node:stream";
import type { AedesPersistence } from "aedes-persistence";

// A CommonJS module whose typings declare a default export it does not have at run time.
const memory = createRequire(import.meta.url)("aedes-persistence") as () => AedesPersistence;
type Packet = { topic: string; payload: Buffer | string };

const hasWildcard = (pattern: string) => pattern.includes("+") || pattern.includes("#");

/**
 * aedes's in-memory persistence with the retained messages also indexed by
 * topic. Its own answer to a subscription tests every retained topic against
 * the pattern, and every vehicle keeps two retained messages (its status and
 * its screen's code): each login's subscriptions scanned the whole fleet's,
 * and logins slowed from 72/s with 3,000 vehicles to 27/s towards 10,000
 * (`npm run bench:fleet`). Vehicles subscribe to exact topics only, so those
 * are answered from the index; a pattern with a wildcard still takes the scan.
 */
export function retainedIndexedPersistence(): AedesPersistence {
  const persistence = memory();
  const byTopic = new Map<string, Packet>();
  const store = persistence.storeRetained.bind(persistence);
  const scan = persistence.createRetainedStreamCombi.bind(persistence);

  // aedes 1.x calls it without a callback and awaits the promise; the callback form is kept for its other callers.
  persistence.storeRetained = ((packet: Packet, cb?: (err: unknown) => void) => {
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, { ...packet });
    return (store as unknown as (p: Packet, cb?: (err: unknown) => void) => unknown)(packet, cb);
  }) as AedesPersistence["storeRetained"];

  persistence.createRetainedStreamCombi = (patterns: string[]) => {
    if (patterns.some(hasWildcard)) return scan(patterns);
    return Readable.from(patterns.flatMap((topic) => byTopic.get(topic) ?? []));
  };
  persistence.createRetainedStream = (pattern: string) => persistence.createRetainedStreamCombi([pattern]);
  return persistence;
}
