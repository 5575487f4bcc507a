import { randomUUID } from "node:crypto";
import type { MqttClient } from "mqtt";
import type { Logger } from "pino";
import { agentChannels, normalizePrefix, serverChannels, TOPIC_ROOT, vehicleTopic } from "../../../protocol/index.ts";

/**
 * Mosquitto 2's dynamic-security plugin, driven over `$CONTROL/dynamic-security/v1`:
 * one broker client per vehicle (username = vehicle id) holding a role whose
 * ACLs name only that vehicle's topics. The server connects as a dynsec admin
 * (MQTT_USERNAME/MQTT_PASSWORD) and gives itself the `transit-server` role.
 */
const CONTROL = "$CONTROL/dynamic-security/v1";
const RESPONSE = `${CONTROL}/response`;

interface Command {
  command: string;
  [key: string]: unknown;
}
interface Response {
  command: string;
  error?: string;
  data?: unknown;
  correlationData?: string;
}

export const SERVER_ROLE = "transit-server";
export const vehicleRole = (vehicleId: string) => `transit-vehicle-${vehicleId}`;

export function vehicleAcls(prefix: string, vehicleId: string) {
  return [
    ...agentChannels.map((c) => ({ acltype: "publishClientSend", topic: vehicleTopic(prefix, vehicleId, c), priority: 0, allow: true })),
    ...serverChannels.map((c) => ({ acltype: "subscribeLiteral", topic: vehicleTopic(prefix, vehicleId, c), priority: 0, allow: true })),
  ];
}

function serverAcls(prefix: string) {
  const root = `${normalizePrefix(prefix)}${TOPIC_ROOT}/vehicles`;
  return [
    ...serverChannels.map((c) => ({ acltype: "publishClientSend", topic: `${root}/+/${c}`, priority: 0, allow: true })),
    { acltype: "subscribePattern", topic: `${root}/#`, priority: 0, allow: true },
  ];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the MQTT broker did not answer")), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

export function createDynsec(client: MqttClient, opts: { topicPrefix: string; logger: Logger; timeoutMs?: number; serverUsername?: string }) {
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const pending = new Map<string, (r: Response) => void>();
  let subscribed: Promise<unknown> | null = null;

  client.on("message", (topic, payload) => {
    if (topic !== RESPONSE) return;
    try {
      const body = JSON.parse(payload.toString("utf8")) as { responses?: Response[] };
      for (const r of body.responses ?? []) {
        if (r.correlationData) pending.get(r.correlationData)?.(r);
      }
    } catch {
      opts.logger.warn("unreadable dynamic-security response");
    }
  });

  /** Runs commands; resolves with one response each, or rejects when the broker never answers. */
  /**
   * Runs commands; resolves with one response each, or rejects when the broker
   * never answers. Never waits for a broker that is down (MQTT.js would queue
   * the publish until it is back, and a registration would hang): fails at once.
   * Commands go at QoS 0: a lost one times out, a resent one could run twice.
   */
  async function run(commands: Command[]): Promise<Response[]> {
    if (!client.connected) throw new Error("the MQTT broker is not connected");
    subscribed ??= withTimeout(client.subscribeAsync(RESPONSE, { qos: 1 }), timeoutMs).catch((err: unknown) => {
      subscribed = null;
      throw err;
    });
    await subscribed;
    const tagged = commands.map((c) => ({ ...c, correlationData: randomUUID() }));
    const answers = tagged.map(
      (c) =>
        new Promise<Response>((resolve, reject) => {
          const timer = setTimeout(() => {
            pending.delete(c.correlationData);
            reject(new Error("no answer from the dynamic-security plugin"));
          }, timeoutMs);
          pending.set(c.correlationData, (r) => {
            clearTimeout(timer);
            pending.delete(c.correlationData);
            resolve(r);
          });
        }),
    );
    client.publish(CONTROL, JSON.stringify({ commands: tagged }), { qos: 0 });
    return Promise.all(answers);
  }

  const tolerate = (r: Response, ...allowed: string[]) => {
    if (r.error && !allowed.some((a) => r.error!.toLowerCase().includes(a))) throw new Error(`dynamic-security ${r.command}: ${r.error}`);
  };

  async function ensureVehicleRole(vehicleId: string) {
    const [r] = await run([{ command: "createRole", rolename: vehicleRole(vehicleId), acls: vehicleAcls(opts.topicPrefix, vehicleId) }]);
    tolerate(r!, "already exists");
  }

  async function clientRoles(username: string): Promise<string[]> {
    const [r] = await run([{ command: "getClient", username }]);
    tolerate(r!);
    const roles = (r!.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client?.roles ?? [];
    return roles.map((x) => x.rolename);
  }

  return {
    /** True when the broker runs the plugin and answers this user's commands. */
    async probe(): Promise<boolean> {
      try {
        const [r] = await run([{ command: "getDefaultACLAccess" }]);
        return !r!.error;
      } catch {
        return false;
      }
    },

    /**
     * The role this server needs to publish to vehicles and subscribe to their
     * messages. Mosquitto disconnects a client whose roles change, so adding
     * the role to our own login is sent once, at QoS 0 (a resend would kick us
     * again), and checked after MQTT.js has reconnected.
     */
    async ensureServerRole() {
      const [created] = await run([{ command: "createRole", rolename: SERVER_ROLE, acls: serverAcls(opts.topicPrefix) }]);
      tolerate(created!, "already exists");
      const username = opts.serverUsername;
      if (!username || (await clientRoles(username)).includes(SERVER_ROLE)) return;
      const reconnected = new Promise<void>((resolve) => client.once("connect", () => resolve()));
      const command = { command: "addClientRole", username, rolename: SERVER_ROLE, priority: 10 };
      await client.publishAsync(CONTROL, JSON.stringify({ commands: [command] }), { qos: 0 });
      await Promise.race([reconnected, new Promise((resolve) => setTimeout(resolve, timeoutMs * 4))]);
      subscribed = null; // subscribe to responses again before asking, rather than race MQTT.js's own resubscribe
      if (!(await clientRoles(username)).includes(SERVER_ROLE)) throw new Error(`could not give ${username} the ${SERVER_ROLE} role`);
    },

    /**
     * Creates (or re-keys) the vehicle's broker login with its own-topics role,
     * bound to the client id the agent uses (the vehicle id, DESIGN §4): with
     * its own password and another vehicle's client id, a vehicle could
     * otherwise close that vehicle's connection and take over its session.
     */
    async provisionVehicle(vehicleId: string, password: string) {
      await ensureVehicleRole(vehicleId);
      const [created] = await run([
        { command: "createClient", username: vehicleId, password, clientid: vehicleId, roles: [{ rolename: vehicleRole(vehicleId) }] },
      ]);
      if (created!.error?.toLowerCase().includes("already exists")) {
        const [pw, id] = await run([
          { command: "setClientPassword", username: vehicleId, password },
          { command: "setClientId", username: vehicleId, clientid: vehicleId },
        ]);
        tolerate(pw!);
        tolerate(id!);
        // Mosquitto 2.0 answers "Internal error" when the client already has the role, so ask first.
        if (!(await clientRoles(vehicleId)).includes(vehicleRole(vehicleId))) {
          const [role] = await run([{ command: "addClientRole", username: vehicleId, rolename: vehicleRole(vehicleId) }]);
          tolerate(role!);
        }
      } else tolerate(created!);
    },

    /** Every broker client, with the client id it is bound to (if any). */
    async listClients(): Promise<{ username: string; clientid?: string }[]> {
      const [r] = await run([{ command: "listClients", verbose: true, count: -1 }]);
      tolerate(r!);
      const data = r!.data as { clients?: (string | { username: string; clientid?: string })[] } | undefined;
      return (data?.clients ?? []).map((c) => (typeof c === "string" ? { username: c } : c));
    },

    /** Binds an existing vehicle login to its client id (logins made before the binding existed). */
    async bindClientId(vehicleId: string) {
      const [r] = await run([{ command: "setClientId", username: vehicleId, clientid: vehicleId }]);
      tolerate(r!);
    },

    ensureVehicleRole,
  };
}

export type Dynsec = ReturnType<typeof createDynsec>;
