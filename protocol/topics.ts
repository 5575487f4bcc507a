/**
 * MQTT topics, protocol v1 (DESIGN §4). One definition for the server and the agent.
 * Every topic is `{prefix}transit/v1/vehicles/{vehicleId}/{channel}`; the prefix
 * is optional and lets several deployments share a broker.
 */
export const TOPIC_ROOT = "transit/v1";

/** What a vehicle's agent publishes. */
export const agentChannels = ["position", "trip", "checkin", "status"] as const;
/** What the server publishes to one vehicle. */
export const serverChannels = ["ack", "display", "alerts"] as const;

export type AgentChannel = (typeof agentChannels)[number];
export type ServerChannel = (typeof serverChannels)[number];
export type Channel = AgentChannel | ServerChannel;

/** "" stays ""; "city1" and "city1/" both become "city1/". */
export function normalizePrefix(prefix = ""): string {
  return prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
}

export function vehicleTopic(prefix: string, vehicleId: string, channel: Channel): string {
  return `${normalizePrefix(prefix)}${TOPIC_ROOT}/vehicles/${vehicleId}/${channel}`;
}

/** The wildcard for one channel of every vehicle, e.g. to ingest all positions. */
export function allVehiclesTopic(prefix: string, channel: Channel): string {
  return `${normalizePrefix(prefix)}${TOPIC_ROOT}/vehicles/+/${channel}`;
}

/** A shared subscription, so several ingest workers split the stream on a real broker. */
export function sharedTopic(prefix: string, channel: AgentChannel, group = "ingest"): string {
  return `$share/${group}/${allVehiclesTopic(prefix, channel)}`;
}

const CHANNELS: ReadonlySet<string> = new Set<Channel>([...agentChannels, ...serverChannels]);
const roots = new Map<string, string>();

/** Called for every message ingest takes, so it builds nothing it can keep: the root per prefix is kept. */
export function parseVehicleTopic(prefix: string, topic: string): { vehicleId: string; channel: Channel } | null {
  let root = roots.get(prefix);
  if (root === undefined) roots.set(prefix, (root = `${normalizePrefix(prefix)}${TOPIC_ROOT}/vehicles/`));
  if (!topic.startsWith(root)) return null;
  const slash = topic.indexOf("/", root.length);
  if (slash <= root.length) return null; // no id, or nothing after it
  const channel = topic.slice(slash + 1); // "trip/extra" is no channel
  if (!CHANNELS.has(channel)) return null;
  return { vehicleId: topic.slice(root.length, slash), channel: channel as Channel };
}
