import type { AlertMessage, AckMessage, DisplayMessage } from "../../../protocol/index.ts";

/**
 * What the server says to one vehicle over MQTT (DESIGN §4, server → agent).
 * main.ts wires the broker-backed implementation; HTTP handlers only see this.
 */
export interface VehicleBus {
  ack(vehicleId: string, message: AckMessage): Promise<void>;
  display(vehicleId: string, message: DisplayMessage): Promise<void>;
  alert(vehicleId: string, message: AlertMessage): Promise<void>;
}

/** For an app with no broker attached (HTTP-only tests and tools). */
export const silentVehicleBus: VehicleBus = {
  ack: async () => {},
  display: async () => {},
  alert: async () => {},
};
