import type { Vehicle, VehicleList } from "../../protocol/api/vehicles.ts";
import { api } from "./api.ts";

/** A vehicle as GET /vehicles answers it (protocol/api/vehicles.ts). */
export type VehicleSummary = Vehicle;

/** The vehicles this user may see, for plates in lists; an empty list if the role may not list them. */
export async function loadVehicles(): Promise<Map<string, VehicleSummary>> {
  try {
    const res = await api<VehicleList>("GET", "/vehicles");
    return new Map(res.vehicles.map((v) => [v.id, v]));
  } catch {
    return new Map();
  }
}

