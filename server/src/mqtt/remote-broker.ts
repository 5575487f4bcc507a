import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { agentChannels, sharedTopic } from "../../../protocol/index.ts";
import { MessagingStartError, type BrokerLink, type InboundHandler } from "./broker-link.ts";

/**
 * A real broker (MQTT_URL: Mosquitto 2, EMQX). Ingest subscribes through the
 * shared subscription `$share/ingest/…`, so several server processes split the
 * stream instead of each storing every message. A clean session at QoS 0:
 * delivery is guaranteed by the agent's outbox and our ack, never by broker
 * queues (which drop messages past max_queued_messages).
 */
export async function connectRemoteBroker(opts: {
  /** One URL or a comma list (a cluster's nodes): MQTT.js tries the next after each lost connection. */
  url: string;
  username?: string;
  password?: string;
  topicPrefix: string;
  logger: Logger;
  onMessage: InboundHandler;
}): Promise<BrokerLink & { client: MqttClient; subscribeAgents(): Promise<void> }> {
  const urls = opts.url.split(",").map((u) => u.trim());
  const client = await connectFirstReachable(urls, {
    clientId: `transit-server-${randomBytes(6).toString("hex")}`,
    username: opts.username,
    password: opts.password,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
  }).catch((err: Error) => {
    throw new MessagingStartError(
      `Cannot connect to the MQTT broker at MQTT_URL (${redactUrl(opts.url)}): ${err.message}. ` +
        `Check that it runs and that MQTT_USERNAME/MQTT_PASSWORD are right, or unset MQTT_URL to use the embedded broker.`,
    );
  });
  const topics = agentChannels.map((c) => sharedTopic(opts.topicPrefix, c));
  // A broker without shared subscriptions (NATS 2.9's MQTT) takes `$share/ingest/…` as a literal topic: mapped
  // onto it (docs/scaling.md), messages arrive under that name. Mosquitto and EMQX deliver the plain topic.
  client.on("message", (topic, payload) => opts.onMessage(topic.startsWith("$share/") ? unshared(topic) : topic, payload));
  client.on("offline", () => opts.logger.warn("MQTT broker unreachable; reconnecting"));
  client.on("error", (err) => opts.logger.error({ err: err.message }, "mqtt error"));
  opts.logger.info({ url: redactUrl(opts.url) }, "connected to MQTT broker");

  return {
    mode: "remote",
    client,
    publish: async (topic, payload, { retain = false } = {}) => {
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    /** Starts ingest; MQTT.js subscribes again by itself after a reconnect (resubscribe, on by default). */
    async subscribeAgents() {
      // QoS 0 on this hop, on purpose: agents publish at QoS 1 and keep each message until our ack.
      // On a clean session QoS 1 adds no guarantee here (in-flight messages die with the connection
      // either way), but cost a PUBACK per message on both ends: per single-fix message, broker
      // 39–41 → 31–35 µs and this process 23 → 16–20 µs of CPU (npm run bench:ingest).
      const granted = await client.subscribeAsync(topics, { qos: 0 });
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length) {
        throw new Error(`The MQTT broker refused this server's subscriptions (${refused.join(", ")}); give MQTT_USERNAME subscribe rights on them`);
      }
    },
    connected: () => client.connected,
    close: () => client.endAsync(),
  };
}

/**
 * Connects to the first node of a cluster's list that answers, starting with
 * the first: a process started while one node is down (restarted, upgraded)
 * comes up on another. MQTT.js's `servers` rotates only on reconnects; a
 * failed first connect would otherwise end the client. A cluster's live nodes
 * may also refuse MQTT for the seconds their JetStream takes to elect new
 * leaders after a node is lost (seen as a close, then the dead node's
 * refusal), so a list is tried round after round for CLUSTER_SETTLE_MS
 * before giving up. One URL fails at once: that is a wrong URL or a broker
 * that is down, and saying so beats waiting.
 */
async function connectFirstReachable(urls: string[], options: mqtt.IClientOptions): Promise<MqttClient> {
  const servers = urls.map((u) => {
    const parsed = new URL(u);
    return { host: parsed.hostname, port: Number(parsed.port || 1883), protocol: parsed.protocol.replace(":", "") as "mqtt" | "mqtts" | "ws" | "wss" };
  });
  const deadline = Date.now() + (urls.length > 1 ? CLUSTER_SETTLE_MS : 0);
  for (;;) {
    const refusals: string[] = [];
    for (let i = 0; i < urls.length; i++) {
      // Starting at node i, and going round the list after it on each lost connection.
      const order = [...servers.slice(i), ...servers.slice(0, i)];
      try {
        return await mqtt.connectAsync(urls[i]!, { ...options, ...(urls.length > 1 ? { servers: order } : {}) });
      } catch (err) {
        refusals.push((err as Error).message);
      }
    }
    if (Date.now() >= deadline) throw new Error(refusals.join("; "));
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** How long a process starting against a cluster waits for one of its nodes to take it. */
const CLUSTER_SETTLE_MS = 30_000;

/** `$share/{group}/transit/v1/…` → `transit/v1/…`. */
function unshared(topic: string): string {
  const rest = topic.indexOf("/", "$share/".length);
  return rest < 0 ? topic : topic.slice(rest + 1);
}

/** A URL safe to log: no password. */
export function redactUrl(url: string): string {
  if (url.includes(",")) return url.split(",").map((u) => redactUrl(u.trim())).join(",");
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid url)";
  }
}
