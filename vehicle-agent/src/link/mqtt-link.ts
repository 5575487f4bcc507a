import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { serverChannels, statusMessage, vehicleTopic, parseVehicleTopic, type AgentChannel, type ServerChannel } from "../../../protocol/index.ts";
import type { Log } from "../log.ts";
import { createBackoff } from "./backoff.ts";

export interface MqttLinkOptions {
  /** One broker URL, or several separated by commas (the nodes of a cluster): tried in turn, the next after each lost connection. */
  url: string;
  vehicleId: string;
  password: string;
  topicPrefix: string;
  /** Seconds; the broker declares the agent gone (and sends the Last Will) after 1.5× this. */
  keepalive: number;
  /** "auto" tries MQTT 5 and falls back to 3.1.1 when the broker refuses it (aedes 1.x does). */
  version: "auto" | "5" | "4";
  agentVersion: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  log: Log;
}

export interface MqttLinkHandlers {
  onConnect(): void;
  onDisconnect(): void;
  onMessage(channel: ServerChannel, payload: Buffer): void;
}

/** MQTT 5: the broker keeps the session (subscriptions, queued acks) this long while the agent is offline. */
const SESSION_EXPIRY_S = 7 * 86_400;
/** MQTT 5: a reconnect within this many seconds does not flip the vehicle to offline. */
const WILL_DELAY_S = 30;

/**
 * A connection that lasts this long resets the reconnect backoff. One the
 * broker drops sooner (overloaded, or refusing the agent in all but name)
 * keeps it growing: otherwise every vehicle of a fleet would be back within
 * a second of each drop, which is the storm that keeps such a broker down.
 */
const STABLE_MS = 30_000;

const CONNACK_BAD_PROTOCOL = [1, 132]; // 3.1.1 "unacceptable protocol version", 5 "unsupported protocol version"
const CONNACK_AUTH = [4, 5, 134, 135];

/**
 * One MQTT connection with a persistent session (clean: false, clientId = the
 * vehicle id), a retained Last Will of `{online:false}` on `status`, and
 * reconnects scheduled here with backoff and jitter rather than by MQTT.js's
 * fixed period. A new client is made per attempt, so the protocol version can
 * change between attempts; unacked publishes are the outbox's business, not
 * the client's in-memory store.
 */
export function createMqttLink(opts: MqttLinkOptions, handlers: MqttLinkHandlers) {
  const topic = (channel: AgentChannel | ServerChannel) => vehicleTopic(opts.topicPrefix, opts.vehicleId, channel);
  const backoff = createBackoff(opts.reconnectMinMs, opts.reconnectMaxMs);
  let version: 5 | 4 = opts.version === "4" ? 4 : 5;
  // Set once a CONNACK has shown which version the broker speaks.
  let versionKnown = false;
  let client: MqttClient | null = null;
  let connected = false;
  // Connected and subscribed: the agent may send.
  let ready = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let stable: NodeJS.Timeout | null = null;
  let lastError = "";
  const urls = opts.url.split(",").map((u) => u.trim()).filter(Boolean);
  let current = 0;

  const offline = JSON.stringify(statusMessage.parse({ online: false }));
  const online = JSON.stringify(statusMessage.parse({ online: true, agentVersion: opts.agentVersion }));

  function options(): IClientOptions {
    const v5 = version === 5;
    return {
      protocolVersion: version,
      clientId: opts.vehicleId,
      username: opts.vehicleId,
      password: opts.password,
      clean: false,
      keepalive: opts.keepalive,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      resubscribe: false,
      // MQTT.js would otherwise build a cache of 65,536 two-byte Buffers (about
      // 6 MB of heap) to save an allocation per packet; one packet a second does not need it.
      writeCache: false,
      ...(v5 ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}),
      will: {
        topic: topic("status"),
        payload: Buffer.from(offline),
        qos: 1,
        retain: true,
        ...(v5 ? { properties: { willDelayInterval: WILL_DELAY_S } } : {}),
      },
    };
  }

  function schedule(delayMs: number) {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      connect();
    }, delayMs);
  }

  function connect() {
    if (stopped) return;
    const url = urls[current]!;
    const c = mqtt.connect(url, options());
    client = c;
    // Some brokers answer an MQTT 5 CONNECT by closing the socket, without a CONNACK code.
    let reachedBroker = false;
    c.stream?.once("connect", () => (reachedBroker = true));
    c.on("connect", (connack) => {
      connected = true;
      versionKnown = true;
      lastError = "";
      stable = setTimeout(() => backoff.reset(), STABLE_MS);
      stable.unref();
      // Subscribing again on every connect is cheap and covers a broker that lost the session.
      // Sending waits for the SUBACK, so no ack for what is sent next can miss the agent.
      c.subscribe(
        serverChannels.map((ch) => topic(ch)),
        { qos: 1 },
        (err) => {
          if (client !== c) return;
          if (err) {
            // Without its ack subscription the agent would send for ever and never hear back (a NATS node
            // whose JetStream is electing a leader refuses it): drop this connection and try again.
            opts.log.warn(`subscribe failed: ${err.message}; reconnecting`);
            c.end(true, () => closed(c, reachedBroker));
            return;
          }
          c.publish(topic("status"), online, { qos: 1, retain: true });
          opts.log.info(`connected to ${url} (MQTT ${version === 5 ? "5" : "3.1.1"}${connack.sessionPresent ? ", session resumed" : ""})`);
          ready = true;
          handlers.onConnect();
        },
      );
    });
    c.on("message", (t, payload) => {
      const parsed = parseVehicleTopic(opts.topicPrefix, t);
      if (parsed && parsed.vehicleId === opts.vehicleId && (serverChannels as readonly string[]).includes(parsed.channel)) {
        handlers.onMessage(parsed.channel as ServerChannel, payload);
      }
    });
    c.on("error", (err: Error & { code?: number | string }) => {
      const code = typeof err.code === "number" ? err.code : undefined;
      if (code !== undefined && CONNACK_BAD_PROTOCOL.includes(code) && version === 5 && opts.version === "auto") {
        opts.log.info("broker does not speak MQTT 5; using 3.1.1");
        version = 4;
        versionKnown = true;
        backoff.reset();
      } else if (code !== undefined && CONNACK_AUTH.includes(code)) {
        report(`broker refused the agent's credentials (vehicle ${opts.vehicleId}): check --vehicle and --password`);
      } else {
        report(`MQTT: ${err.message}`);
      }
    });
    c.on("close", () => closed(c, reachedBroker));
  }

  /** A connection ended (by the broker, the network, or us): count it lost and schedule the next attempt, once per client. */
  function closed(c: MqttClient, reachedBroker: boolean) {
    if (client !== c) return;
    client = null;
    if (stable) clearTimeout(stable);
    stable = null;
    c.removeAllListeners("close");
    c.end(true);
    ready = false;
    // Closed unanswered: perhaps a broker that drops MQTT 5, perhaps the network.
    // Until either version is known to work (or 5 refused outright), alternate.
    if (!connected && reachedBroker && opts.version === "auto" && !versionKnown) version = version === 5 ? 4 : 5;
    // A cluster: the next node, whose copy of the session (JetStream on NATS) takes the agent back.
    else current = (current + 1) % urls.length;
    if (connected) {
      connected = false;
      opts.log.warn("disconnected from the broker; the outbox keeps everything until it is back");
      handlers.onDisconnect();
    }
    schedule(backoff.next());
  }

  function report(message: string) {
    // One line per distinct problem, not one per retry.
    if (message !== lastError) opts.log.warn(message);
    lastError = message;
  }

  return {
    start(): void {
      stopped = false;
      connect();
    },
    get connected(): boolean {
      return ready;
    },
    get protocolVersion(): 5 | 4 {
      return version;
    },
    /** QoS 1. False when not connected; the caller keeps the message and retries later. */
    publish(channel: AgentChannel, payload: string): boolean {
      if (!ready || !client) return false;
      client.publish(topic(channel), payload, { qos: 1 }, (err) => {
        if (err && connected) opts.log.warn(`publish failed: ${err.message}`);
      });
      return true;
    },
    /** Says goodbye: retained `{online:false}`, then a clean disconnect (no Last Will). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (stable) clearTimeout(stable);
      timer = null;
      const c = client;
      client = null;
      connected = false;
      ready = false;
      if (!c) return;
      if (c.connected) {
        // Bounded: a link that died a moment ago never answers, and stopping must not hang on it.
        await withTimeout(new Promise<void>((resolve) => c.publish(topic("status"), offline, { qos: 1, retain: true }, () => resolve())), 2000);
        await withTimeout(new Promise<void>((resolve) => c.end(false, {}, () => resolve())), 1000);
      }
      c.end(true);
    },
    /** Drops the connection as a network fault would (tests, and `reconnect` at the keyboard). */
    drop(): void {
      client?.stream.destroy();
    },
  };
}

export type MqttLink = ReturnType<typeof createMqttLink>;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}
