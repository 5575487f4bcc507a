import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { agentChannels, sharedTopic } from "../../../protocol/index.ts";
import { MessagingStartError, type BrokerLink, type InboundHandler } from "./broker-link.ts";

/**
 * A real broker (MQTT_URL: Mosquitto 2, EMQX). Ingest subscribes through the
 * shared subscription `$share/ingest/…`, so several server processes split the
 * stream instead of each storing every message. A clean session: delivery is
 * guaranteed by the agent's outbox and our ack, never by broker queues (which
 * drop QoS 1 messages past max_queued_messages).
 */
export async function connectRemoteBroker(opts: {
  url: string;
  username?: string;
  password?: string;
  topicPrefix: string;
  logger: Logger;
  onMessage: InboundHandler;
}): Promise<BrokerLink & { client: MqttClient; subscribeAgents(): Promise<void> }> {
  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(opts.url, {
      clientId: `transit-server-${randomBytes(6).toString("hex")}`,
      username: opts.username,
      password: opts.password,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
    });
  } catch (err) {
    throw new MessagingStartError(
      `Cannot connect to the MQTT broker at MQTT_URL (${redactUrl(opts.url)}): ${(err as Error).message}. ` +
        `Check that it runs and that MQTT_USERNAME/MQTT_PASSWORD are right, or unset MQTT_URL to use the embedded broker.`,
    );
  }
  const topics = agentChannels.map((c) => sharedTopic(opts.topicPrefix, c));
  // MQTT.js writes a PUBACK per message, each its own writev: with the socket corked until the event loop
  // has handled everything read so far, they leave in one write (measured in bench/ingest.bench.ts).
  // 'message' is emitted before that message's PUBACK is written, so the first one corks in time.
  let corked: MqttClient["stream"] | null = null;
  client.on("message", (topic, payload) => {
    if (!corked && client.stream) {
      const stream = (corked = client.stream);
      stream.cork();
      setImmediate(() => {
        corked = null;
        stream.uncork();
      });
    }
    opts.onMessage(topic, payload);
  });
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
      const granted = await client.subscribeAsync(topics, { qos: 1 });
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length) {
        throw new Error(`The MQTT broker refused this server's subscriptions (${refused.join(", ")}); give MQTT_USERNAME subscribe rights on them`);
      }
    },
    close: () => client.endAsync(),
  };
}

/** A URL safe to log: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid url)";
  }
}
