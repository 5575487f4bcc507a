import type { IngestRepository } from "./ingest.repository.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Is this a registered vehicle? Asked for every message (an anonymous broker
 * lets anyone publish), so known ids are remembered for good and unknown ones
 * for a short while, keeping junk from reaching the database each time.
 *
 * Ids not seen yet are looked up together: one query at a time, holding every
 * id asked while the previous one ran (up to `maxPerQuery`). A fleet dialling
 * in at once — 10,000 vehicles after a broker restart — asked one query per
 * vehicle before, and those filled the pool ahead of the positions' inserts
 * (docs/scaling.md, "A fleet connected"); now it is a handful of queries.
 */
export function createVehicleDirectory(repo: Pick<IngestRepository, "knownVehicles">, opts: { unknownForMs?: number; maxPerQuery?: number } = {}) {
  const unknownForMs = opts.unknownForMs ?? 30_000;
  const maxPerQuery = opts.maxPerQuery ?? 1_000;
  const known = new Set<string>();
  const unknownUntil = new Map<string, number>();
  /** Every id asked and not answered yet, waiting or in the query running: one answer per id. */
  const asking = new Map<string, Promise<boolean>>();
  let waiting = new Map<string, { resolve(known: boolean): void; reject(err: unknown): void }>();
  let querying = false;
  let scheduled = false;

  function lookUp() {
    scheduled = false;
    if (querying || waiting.size === 0) return;
    querying = true;
    let batch = waiting;
    if (waiting.size > maxPerQuery) {
      const ids = [...waiting.keys()].slice(0, maxPerQuery);
      batch = new Map(ids.map((id) => [id, waiting.get(id)!]));
      for (const id of ids) waiting.delete(id);
    } else waiting = new Map();
    repo
      .knownVehicles([...batch.keys()])
      .then(
        (found) => {
          if (unknownUntil.size > 10_000) unknownUntil.clear();
          for (const [id, answer] of batch) {
            if (found.has(id)) {
              known.add(id);
              unknownUntil.delete(id);
            } else unknownUntil.set(id, Date.now() + unknownForMs);
            answer.resolve(found.has(id));
          }
        },
        (err: unknown) => {
          for (const answer of batch.values()) answer.reject(err);
        },
      )
      .finally(() => {
        for (const id of batch.keys()) asking.delete(id);
        querying = false;
        lookUp();
      });
  }

  return {
    exists(id: string): boolean | Promise<boolean> {
      if (known.has(id)) return true;
      if (!UUID.test(id) || (unknownUntil.get(id) ?? 0) > Date.now()) return false;
      let pending = asking.get(id);
      if (!pending) {
        pending = new Promise<boolean>((resolve, reject) => waiting.set(id, { resolve, reject }));
        asking.set(id, pending);
        // After this turn of the event loop: every message read from the socket with this one joins the query.
        if (!scheduled && !querying) {
          scheduled = true;
          setImmediate(lookUp);
        }
      }
      return pending;
    },
  };
}
