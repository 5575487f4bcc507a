/** The kinds of vehicle, defined once in the API contract (protocol/api/vehicles.ts). */
export { vehicleKind as VehicleKindSchema } from "../../../protocol/api/vehicles.ts";
