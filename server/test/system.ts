import { randomBytes } from "node:crypto";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { vehicleTopic, type Channel } from "../../protocol/index.ts";
import type { AgentAccounts } from "../src/mqtt/agent-accounts.ts";
import { startMessaging, type Messaging, type MessagingOptions } from "../src/mqtt/messaging.ts";
import type { VehicleBus } from "../src/mqtt/vehicle-bus.ts";
import { createTestApp, type TestApp, type TestAppOptions } from "./harness.ts";

/**
 * The whole server for end-to-end tests: the real app over a test database
 * (see harness.ts) plus real MQTT — the embedded aedes broker on a free port,
 * or, when MQTT_URL is set (CI's second run), that broker with a topic prefix
 * of this system's own so that tests sharing the broker never see each
 * other's messages.
 */
export interface TestSystemOptions extends Omit<TestAppOptions, "vehicleBus" | "agentAccounts" | "clock"> {
  /** A broker to use instead of MQTT_URL / the embedded one (e.g. a test's own Mosquitto). */
  mqttUrl?: string;
  mqttUsername?: string;
  mqttPassword?: string;
  /** Force the embedded broker even when MQTT_URL is set (auth tests). */
  embedded?: boolean;
  messaging?: MessagingOptions;
}

export interface RegisteredVehicle {
  id: string;
  /** The MQTT username (the vehicle id) and the agent password shown once at registration. */
  username: string;
  password: string;
  plate: string;
  kind: string;
  code: { id: string; url: string };
}

/**
 * A clock of manualClock's shape that runs with real time (agents stamp fixes
 * with the real clock) and that a test can still set or move.
 */
export function runningClock(start?: Date | string) {
  let offset = start ? new Date(start).getTime() - Date.now() : 0;
  return {
    now: () => new Date(Date.now() + offset),
    set: (to: Date | string) => void (offset = new Date(to).getTime() - Date.now()),
    advance: (ms: number) => void (offset += ms),
  };
}

export async function startTestSystem(opts: TestSystemOptions = {}) {
  const mqttUrl = opts.embedded ? undefined : (opts.mqttUrl ?? process.env.MQTT_URL);
  const topicPrefix = mqttUrl ? `test-${randomBytes(5).toString("hex")}` : "";
  const env: Record<string, string> = { MQTT_PORT: "0", ...opts.env };
  if (mqttUrl) {
    env.MQTT_URL = mqttUrl;
    env.MQTT_TOPIC_PREFIX = topicPrefix;
    if (opts.mqttUsername) env.MQTT_USERNAME = opts.mqttUsername;
    if (opts.mqttPassword) env.MQTT_PASSWORD = opts.mqttPassword;
  }

  // The app is built before the broker is up, so it gets forwarders bound once messaging starts.
  let messaging: Messaging | null = null;
  const live = () => {
    if (!messaging) throw new Error("messaging is not started");
    return messaging;
  };
  const vehicleBus: VehicleBus = {
    ack: (id, m) => live().vehicleBus.ack(id, m),
    display: (id, m) => live().vehicleBus.display(id, m),
    alert: (id, m) => live().vehicleBus.alert(id, m),
  };
  const agentAccounts: AgentAccounts = { provision: (id, pw) => live().agentAccounts.provision(id, pw) };

  const broker = { connected: () => messaging?.brokerConnected() ?? false };
  const driverScreens = { onBoardChanged: (id: string) => live().liveCodes.onBoardChanged(id) };
  const t: TestApp = await createTestApp({ ...opts, env, vehicleBus, agentAccounts, broker, driverScreens, clock: runningClock(opts.now) });
  try {
    messaging = await startMessaging(t.deps, t.database, { host: "127.0.0.1", ...opts.messaging });
  } catch (err) {
    await t.close();
    throw err;
  }
  const m = messaging;
  const clients: MqttClient[] = [];
  let admin: Awaited<ReturnType<TestApp["staff"]>> | null = null;

  return {
    t,
    messaging: m,
    mqttUrl: m.brokerUrl,
    /** "" on the embedded broker; unique per system on a shared one. */
    topicPrefix,
    topic: (vehicleId: string, channel: Channel) => vehicleTopic(topicPrefix, vehicleId, channel),

    /** Registers a vehicle through the API, as an operator would; the password is the one the agent needs. */
    async registerVehicle(body: { plate?: string; kind?: "bus" | "taxi" | "ride_hail" | "coach"; routeId?: string; capacity?: number } = {}): Promise<RegisteredVehicle> {
      admin ??= await t.staff("admin");
      const res = await t.call("POST", "/api/v1/vehicles", { plate: `T${randomBytes(3).toString("hex")}`, kind: "bus", ...body }, admin);
      if (res.status !== 201) throw new Error(`registering a vehicle failed: ${res.status} ${res.text}`);
      return { id: res.json.id, username: res.json.agent.username, password: res.json.agent.password, plate: res.json.plate, kind: res.json.kind, code: res.json.code };
    },

    /** An MQTT client logged in as the vehicle (closed by close()). */
    async connect(vehicle: { id: string; password: string }, options: IClientOptions = {}): Promise<MqttClient> {
      const client = await mqtt.connectAsync(m.brokerUrl, {
        clientId: `vehicle-${vehicle.id}-${randomBytes(3).toString("hex")}`,
        username: vehicle.id,
        password: vehicle.password,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        ...options,
      });
      clients.push(client);
      return client;
    },

    /** Waits until everything received so far is stored and acked. */
    drain: () => m.ingest.drain(),

    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await m.close();
      await t.close();
    },
  };
}

export type TestSystem = Awaited<ReturnType<typeof startTestSystem>>;

/** Polls `check` until it holds; fails naming `what` after `ms`. For waiting on acks and rows, never for timing. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
