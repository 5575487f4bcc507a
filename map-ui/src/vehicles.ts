import { api } from "./api.ts";

export interface VehicleSummary {
  id: string;
  plate: string;
  kind: string;
  routeId: string | null;
  operator: string | null;
  capacity: number | null;
  online: boolean;
  lastSeenAt: string | null;
  code: { id: string; url: string } | null;
  retiredAt?: string | null;
}

/** The vehicles this user may see, for plates in lists; an empty list if the role may not list them. */
export async function loadVehicles(): Promise<Map<string, VehicleSummary>> {
  try {
    const res = await api<{ vehicles: VehicleSummary[] }>("GET", "/vehicles");
    return new Map(res.vehicles.map((v) => [v.id, v]));
  } catch {
    return new Map();
  }
}

