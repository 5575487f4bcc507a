import { connect, type NatsConnection } from "nats";
import type { Logger } from "pino";
import { agentChannels, normalizePrefix, TOPIC_ROOT } from "../../../protocol/index.ts";
import { MessagingStartError, type InboundHandler } from "./broker-link.ts";
import { mqttTopicToSubject, subjectToMqttTopic } from "./nats-users.ts";
import { redactUrl } from "./remote-broker.ts";

/** Every ingest process joins this queue group: NATS hands each message to one member. */
export const INGEST_QUEUE = "transit-ingest";

/**
 * The server's NATS connection to the cluster (NATS_URL), beside its MQTT one.
 *
 * Ingest: NATS's MQTT (2.9) has no shared subscriptions — `$share/…` is taken
 * as a literal topic and never matches — but every MQTT publish is also a
 * NATS message on the topic's subject (`transit/v1/vehicles/{id}/position` →
 * `transit.v1.vehicles.{id}.position`), and a NATS queue group hands each
 * message to one member: the ingest processes split the stream there. Core
 * NATS, at most once, like the QoS 0 shared subscription on Mosquitto: what
 * a killed ingest process had not stored is never acked, and the agent's
 * outbox sends it again.
 *
 * Publishing: NATS stores every QoS 1 MQTT publish in JetStream before its
 * PUBACK, one at a time per connection (the connection's read loop waits for
 * the replicated write). The server's one MQTT connection could so publish a
 * few hundred messages a second at best; 10,000 vehicles need 1,000 acks and
 * 330 live codes a second (npm run bench:fleet: 11 of 4,197 acks arrived).
 * So acks and live codes go out as core NATS messages, which NATS hands to
 * every MQTT subscription of the subject — at QoS 0, to vehicles connected
 * at that moment. Nothing rests on more: an agent resends what was not acked
 * (stored once, acked again), and a vehicle gets a live code as soon as its
 * online status is stored, then every round. Alerts stay QoS 1 over MQTT,
 * kept for a vehicle that is offline (messaging.ts).
 */
export async function connectNats(opts: {
  servers: string[];
  username?: string;
  password?: string;
  topicPrefix: string;
  logger: Logger;
}): Promise<NatsLink> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: opts.servers,
      user: opts.username,
      pass: opts.password,
      name: "transit-server",
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
  let up = true;
  const subscriptions: ReturnType<NatsConnection["subscribe"]>[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") up = false;
      if (s.type === "reconnect") up = true;
      if (s.type === "disconnect") opts.logger.warn({ server: s.data }, "NATS node lost; reconnecting to another");
      else if (s.type === "reconnect") opts.logger.info({ server: s.data }, "NATS reconnected");
    }
  })();

  return {
    subscribeAgents(onMessage: InboundHandler) {
      const root = mqttTopicToSubject(`${normalizePrefix(opts.topicPrefix)}${TOPIC_ROOT}/vehicles`);
      for (const channel of agentChannels) {
        const sub = nc.subscribe(`${root}.*.${channel}`, {
          queue: INGEST_QUEUE,
          callback: (err, msg) => {
            if (err) return opts.logger.error({ err: err.message }, "NATS subscription error");
            onMessage(subjectToMqttTopic(msg.subject), Buffer.from(msg.data));
          },
        });
        subscriptions.push(sub);
      }
      opts.logger.info({ servers: opts.servers.map(redactUrl), queue: INGEST_QUEUE }, "ingest subscribed through a NATS queue group");
    },
    /** Takes no more messages (shutdown: what was taken is stored and acked, over this connection, before close). */
    async stopAgents() {
      await Promise.all(subscriptions.splice(0).map((sub) => sub.drain().catch(() => sub.unsubscribe())));
    },
    /** A core NATS message on the topic's subject; refused at once while the cluster is unreachable (the caller logs it). */
    async publish(topic: string, payload: string) {
      if (!up || nc.isClosed()) throw new Error("NATS is not connected");
      nc.publish(mqttTopicToSubject(topic), payload);
    },
    connected: () => up && !nc.isClosed(),
    close: () => nc.drain().catch(() => nc.close()),
  };
}

export interface NatsLink {
  /** Starts ingest: the agents' subjects in the queue group. */
  subscribeAgents(onMessage: InboundHandler): void;
  stopAgents(): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}
