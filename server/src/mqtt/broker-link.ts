/** What ingest and the vehicle bus need from a broker, embedded or real. */
export interface BrokerLink {
  mode: "embedded" | "remote";
  /** QoS 1; resolves when the broker has it (embedded: handed to subscribers). */
  publish(topic: string, payload: string, opts?: { retain?: boolean }): Promise<void>;
  /** False while a real broker is unreachable (MQTT.js reconnects by itself). */
  connected(): boolean;
  close(): Promise<void>;
}

/** Called for every agent message (position, trip, checkin, status) of every vehicle. */
export type InboundHandler = (topic: string, payload: Buffer) => void;

/** Starting MQTT failed for a reason the operator can fix; the message says how. */
export class MessagingStartError extends Error {}
