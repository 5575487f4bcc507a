import { agentChannels, serverChannels, vehicleTopic } from "../../../protocol/index.ts";

/**
 * Broker logins on a NATS cluster (docs/DESIGN.md §2), as a config file the
 * nats-server includes: one user per vehicle (username = vehicle id) allowed
 * to publish only to its own agent channels and subscribe only to its own
 * ack, display and alerts — the rights Mosquitto's dynamic security gives
 * (dynsec.ts) — and the server's own user, with the whole tree. NATS checks
 * subjects, not MQTT topics: `transit/v1/vehicles/{id}/position` is the
 * subject `transit.v1.vehicles.{id}.position` (mqttTopicToSubject).
 *
 * Passwords are written as given: pass bcrypt hashes (`nats server passwd`,
 * or any bcrypt library) rather than the plaintext agent password where the
 * file is kept on disk.
 */
export interface NatsLogin {
  username: string;
  password: string;
}

/** NATS's mapping of an MQTT topic to a subject: `/` becomes `.`, and a `.` inside a level becomes `//`. */
export function mqttTopicToSubject(topic: string): string {
  return topic
    .split("/")
    .map((level) => level.replaceAll(".", "//"))
    .join(".");
}

/** The inverse, for messages taken from NATS subjects (ingest through a queue group). */
export function subjectToMqttTopic(subject: string): string {
  return subject
    .split("//")
    .map((part) => part.replaceAll(".", "/"))
    .join(".");
}

const quote = (s: string) => JSON.stringify(s);

export function vehiclePermissions(topicPrefix: string, vehicleId: string) {
  return {
    publish: agentChannels.map((c) => mqttTopicToSubject(vehicleTopic(topicPrefix, vehicleId, c))),
    // $MQTT.sub.<id> is where NATS delivers a QoS 1 subscription's messages to the session; the user may
    // connect over MQTT only (below), so no NATS client of its own can listen there for another vehicle.
    subscribe: [...serverChannels.map((c) => mqttTopicToSubject(vehicleTopic(topicPrefix, vehicleId, c))), "$MQTT.sub.>"],
  };
}

/** The `authorization { users = […] }` block for the server and every vehicle. */
export function renderNatsAuthorization(opts: { topicPrefix: string; server: NatsLogin; vehicles: { id: string; password: string }[] }): string {
  const users = [
    `    { user: ${quote(opts.server.username)}, password: ${quote(opts.server.password)} }`,
    ...opts.vehicles.map((v) => {
      const p = vehiclePermissions(opts.topicPrefix, v.id);
      const list = (xs: string[]) => `[${xs.map(quote).join(", ")}]`;
      return `    { user: ${quote(v.id)}, password: ${quote(v.password)}, allowed_connection_types: ["MQTT"], permissions: { publish: ${list(p.publish)}, subscribe: ${list(p.subscribe)} } }`;
    }),
  ];
  return `authorization {\n  users = [\n${users.join(",\n")}\n  ]\n}\n`;
}
