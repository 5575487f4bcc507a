import type { AppDeps } from "./context.ts";
import type { Router } from "./openapi.ts";
import { createAuthRepository } from "./auth/auth.repository.ts";
import { registerAuthRoutes } from "./auth/auth.routes.ts";
import { createVehiclesRepository } from "./vehicles/vehicles.repository.ts";
import { registerVehiclesRoutes } from "./vehicles/vehicles.routes.ts";
import { registerGtfsRtRoutes } from "./gtfs-rt/gtfs-rt.routes.ts";

/** Every resource of /api/v1, in one place, so the whole API reads on one screen. */
export function registerApiRoutes(api: Router, deps: AppDeps) {
  const auth = createAuthRepository(deps);
  const vehicles = createVehiclesRepository(deps);

  registerAuthRoutes(api, deps, auth);
  registerVehiclesRoutes(api, deps, auth, vehicles);
  registerGtfsRtRoutes(api, deps);
}
