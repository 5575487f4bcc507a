import { connect, type NatsConnection } from "nats";
import type { Logger } from "pino";
import { agentChannels, normalizePrefix, TOPIC_ROOT } from "../../../protocol/index.ts";
import { MessagingStartError, type InboundHandler } from "./broker-link.ts";
import { mqttTopicToSubject, subjectToMqttTopic } from "./nats-users.ts";
import { redactUrl } from "./remote-broker.ts";

/** Every ingest process joins this queue group: NATS hands each message to one member. */
export const INGEST_QUEUE = "transit-ingest";

/**
 * Ingest on a NATS cluster (NATS_URL). NATS's MQTT (2.9) has no shared
 * subscriptions — `$share/…` is taken as a literal topic and never matches —
 * but every MQTT publish is also a NATS message on the topic's subject
 * (`transit/v1/vehicles/{id}/position` → `transit.v1.vehicles.{id}.position`),
 * and a NATS queue group hands each message to one member: the ingest
 * processes split the stream there. Core NATS, at most once, like the QoS 0
 * shared subscription on Mosquitto: what a killed ingest process had not
 * stored is never acked, and the agent's outbox sends it again.
 */
export async function subscribeIngestOverNats(opts: {
  servers: string[];
  username?: string;
  password?: string;
  topicPrefix: string;
  logger: Logger;
  onMessage: InboundHandler;
}): Promise<{ connected(): boolean; close(): Promise<void> }> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: opts.servers,
      user: opts.username,
      pass: opts.password,
      name: "transit-ingest",
      // For ever: a cluster node coming back, or another taking over, is the normal case.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
  } catch (err) {
    throw new MessagingStartError(
      `Cannot connect to NATS at NATS_URL (${opts.servers.map(redactUrl).join(",")}): ${(err as Error).message}. ` +
        `Check that the cluster runs and that MQTT_USERNAME/MQTT_PASSWORD name a NATS user allowed to subscribe to the vehicles' subjects.`,
    );
  }
  const root = mqttTopicToSubject(`${normalizePrefix(opts.topicPrefix)}${TOPIC_ROOT}/vehicles`);
  for (const channel of agentChannels) {
    nc.subscribe(`${root}.*.${channel}`, {
      queue: INGEST_QUEUE,
      callback: (err, msg) => {
        if (err) return opts.logger.error({ err: err.message }, "NATS subscription error");
        opts.onMessage(subjectToMqttTopic(msg.subject), Buffer.from(msg.data));
      },
    });
  }
  let up = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") up = false;
      if (s.type === "reconnect") up = true;
      if (s.type === "disconnect") opts.logger.warn({ server: s.data }, "NATS node lost; reconnecting to another");
      else if (s.type === "reconnect") opts.logger.info({ server: s.data }, "NATS reconnected");
    }
  })();
  opts.logger.info({ servers: opts.servers.map(redactUrl), queue: INGEST_QUEUE }, "ingest subscribed through a NATS queue group");
  return {
    connected: () => up && !nc.isClosed(),
    close: () => nc.drain().catch(() => nc.close()),
  };
}
