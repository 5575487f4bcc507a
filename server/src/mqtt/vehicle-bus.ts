import { vehicleTopic, type AlertMessage, type AckMessage, type DisplayMessage } from "../../../protocol/index.ts";

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

/** The bus over a broker: ack and alerts plain QoS 1, display retained so a reconnecting agent gets the code at once. */
export function createVehicleBus(
  publish: (topic: string, payload: string, opts?: { retain?: boolean }) => Promise<void>,
  topicPrefix: string,
): VehicleBus {
  return {
    ack: (vehicleId, message) => publish(vehicleTopic(topicPrefix, vehicleId, "ack"), JSON.stringify(message)),
    display: (vehicleId, message) => publish(vehicleTopic(topicPrefix, vehicleId, "display"), JSON.stringify(message), { retain: true }),
    alert: (vehicleId, message) => publish(vehicleTopic(topicPrefix, vehicleId, "alerts"), JSON.stringify(message)),
  };
}
