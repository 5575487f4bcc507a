import type { IngestRepository } from "./ingest.repository.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Is this a registered vehicle? Asked for every message (an anonymous broker
 * lets anyone publish), so known ids are remembered for good and unknown ones
 * for a short while, keeping junk from reaching the database each time.
 */
export function createVehicleDirectory(repo: Pick<IngestRepository, "vehicleExists">, unknownForMs = 30_000) {
  const known = new Set<string>();
  const unknownUntil = new Map<string, number>();
  // One lookup per id at a time: a burst from a new vehicle must not become a burst of queries.
  const asking = new Map<string, Promise<boolean>>();

  async function lookUp(id: string): Promise<boolean> {
    try {
      if (await repo.vehicleExists(id)) {
        known.add(id);
        unknownUntil.delete(id);
        return true;
      }
      if (unknownUntil.size > 10_000) unknownUntil.clear();
      unknownUntil.set(id, Date.now() + unknownForMs);
      return false;
    } finally {
      asking.delete(id);
    }
  }

  return {
    exists(id: string): boolean | Promise<boolean> {
      if (known.has(id)) return true;
      if (!UUID.test(id) || (unknownUntil.get(id) ?? 0) > Date.now()) return false;
      let pending = asking.get(id);
      if (!pending) {
        pending = lookUp(id);
        asking.set(id, pending);
      }
      return pending;
    },
  };
}
