import type { Logger } from "pino";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import type { Keys } from "./crypto/keys.ts";
import type { Metrics } from "./metrics.ts";
import type { VehicleBus } from "./mqtt/vehicle-bus.ts";
import type { AgentAccounts } from "./mqtt/agent-accounts.ts";
import type { Sms } from "./sms/sms.ts";

/** Everything a route or job needs, built once in main.ts (or a test) and passed down. */
export interface AppDeps {
  config: Config;
  db: Db;
  /**
   * Where tracing, trips and flow read: a streaming standby while it keeps up
   * (db/read-replica.ts), else the primary. Absent means `db`. Never for
   * writes, nor for a read that must see this request's own writes.
   */
  readDb?: Db;
  clock: Clock;
  logger: Logger;
  keys: Keys;
  metrics: Metrics;
  vehicleBus: VehicleBus;
  /** Texts to passengers' phones (one-time codes, contact messages), through the configured gateway. */
  sms: Sms;
  /** Broker logins for agents, handed the plaintext password at registration and reset; absent without a broker. */
  agentAccounts?: AgentAccounts;
  /** Whether this server is connected to its MQTT broker, for /health; absent without a broker. */
  broker?: { connected(): boolean };
  /** The drivers' screens (live-codes.job.ts): told when someone boards or gets off, to show the count; absent without a broker. */
  driverScreens?: { onBoardChanged(vehicleId: string): void };
}

export type StaffRole = "admin" | "operator" | "tracer" | "authority";

export interface StaffUser {
  id: string;
  username: string;
  role: StaffRole;
  /** Set for operator staff: the only fleet they may see or change. */
  operatorId: string | null;
}

export interface FleetAccess {
  operatorId: string;
  actor: { kind: "staff" | "api_key"; id: string; name: string };
}

export type AppEnv = {
  Variables: {
    user: StaffUser;
    /** This request's id: the X-Request-Id header, the error body's requestId, and every log line of the request. */
    requestId: string;
    /** The logger for this request, carrying its requestId. */
    log: Logger;
    /** On /operators/{id}/… routes: whose fleet, and who acts on it (staff, or the operator's API key). */
    fleet: FleetAccess;
  };
};
