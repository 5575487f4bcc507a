/** What ingest and the vehicle bus need from a broker, embedded or real. */
export interface BrokerLink {
  mode: "embedded" | "remote";
  /** QoS 1; resolves when the broker has it (embedded: handed to subscribers). */
  publish(topic: string, payload: string, opts?: { retain?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Called for every agent message (position, trip, checkin, status) of every vehicle. */
export type InboundHandler = (topic: string, payload: Buffer) => void;
