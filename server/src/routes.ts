import type { AppDeps } from "./context.ts";
import type { Router } from "./openapi.ts";
import { createAuthRepository } from "./auth/auth.repository.ts";
import { registerAuthRoutes } from "./auth/auth.routes.ts";
import { registerUsersRoutes } from "./auth/users.routes.ts";
import { createVehiclesRepository } from "./vehicles/vehicles.repository.ts";
import { registerVehiclesRoutes } from "./vehicles/vehicles.routes.ts";
import { createCodesRepository } from "./codes/codes.repository.ts";
import { registerCodesRoutes } from "./codes/codes.routes.ts";
import { createPersonsRepository } from "./persons/persons.repository.ts";
import { createCheckinsRepository } from "./checkins/checkins.repository.ts";
import { createCheckinService } from "./checkins/checkins.service.ts";
import { registerCheckinsRoutes } from "./checkins/checkins.routes.ts";
import { createPassIssuer } from "./passes/passes.service.ts";
import { registerPassesRoutes } from "./passes/passes.routes.ts";
import { registerGtfsRtRoutes } from "./gtfs-rt/gtfs-rt.routes.ts";
import { createLiveRepository } from "./live/live.repository.ts";
import { registerLiveRoutes } from "./live/live.routes.ts";
import { registerTracingRoutes } from "./tracing/tracing.routes.ts";
import { registerTripsRoutes } from "./trips/trips.routes.ts";
import { registerFlowRoutes } from "./flow/flow.routes.ts";
import { createNetworkRepository } from "./gtfs/network.repository.ts";
import { registerNetworkRoutes } from "./gtfs/network.routes.ts";
import { registerVehicleRouteAssignment } from "./vehicles/vehicle-route.routes.ts";
import { createRateLimits } from "./rate-limit.ts";
import { createApiKeysRepository } from "./platforms/api-keys.repository.ts";
import { registerApiKeysRoutes } from "./platforms/api-keys.routes.ts";
import { requireFleetAccess } from "./platforms/fleet-access.ts";
import { createFleetSyncRepository } from "./platforms/fleet-sync.repository.ts";
import { registerFleetSyncRoutes } from "./platforms/fleet-sync.routes.ts";
import { createDriversRepository } from "./platforms/drivers.repository.ts";
import { registerDriversRoutes } from "./platforms/drivers.routes.ts";
import { createApplicationsRepository } from "./platforms/applications.repository.ts";
import { registerApplicationsRoutes } from "./platforms/applications.routes.ts";

/** Every resource of /api/v1, in one place, so the whole API reads on one screen. */
export function registerApiRoutes(api: Router, deps: AppDeps) {
  const auth = createAuthRepository(deps);
  const vehicles = createVehiclesRepository(deps);
  const codes = createCodesRepository(deps);
  const persons = createPersonsRepository(deps);
  const checkins = createCheckinsRepository(deps);
  const network = createNetworkRepository(deps);

  registerAuthRoutes(api, deps, auth);
  registerUsersRoutes(api, auth);
  registerVehiclesRoutes(api, deps, auth, vehicles);
  registerVehicleRouteAssignment(api, deps, auth, vehicles, network);
  registerNetworkRoutes(api, auth, network);
  registerCodesRoutes(api, deps, auth, vehicles, codes);
  registerCheckinsRoutes(api, deps, { auth, vehicles, checkins, service: createCheckinService(deps, { codes, persons, checkins }) });
  registerPassesRoutes(api, deps, auth, createPassIssuer(deps, persons));
  registerGtfsRtRoutes(api, deps);
  registerLiveRoutes(api, deps, auth, createLiveRepository(deps));
  registerTracingRoutes(api, deps, auth);
  registerTripsRoutes(api, deps, auth, vehicles);
  registerFlowRoutes(api, deps, auth);

  const apiKeys = createApiKeysRepository(deps);
  const fleetDeps = { auth, apiKeys, rateLimits: createRateLimits(deps) };
  registerApiKeysRoutes(api, auth, requireFleetAccess(fleetDeps, { keys: false }), apiKeys);
  const fleetAccess = requireFleetAccess(fleetDeps, { keys: true });
  registerFleetSyncRoutes(api, deps, fleetAccess, createFleetSyncRepository(deps));
  registerDriversRoutes(api, deps, fleetAccess, createDriversRepository(deps));
  registerApplicationsRoutes(api, deps, auth, createApplicationsRepository(deps));
}
