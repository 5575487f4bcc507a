import type { AppDeps } from "../context.ts";
import type { Database } from "../db/client.ts";
import { vehicles } from "../db/schema/index.ts";
import { createIngest, type Ingest, type IngestOptions } from "../ingest/ingest.ts";
import { createIngestRepository } from "../ingest/ingest.repository.ts";
import { schedule } from "../jobs/scheduler.ts";
import { soleLeader, whileLeader, type Leadership } from "../jobs/leader-lease.ts";
import { createNatsAccounts } from "./nats-accounts.ts";
import { createLiveCodePublisher, type LiveCodePublisher } from "../live-codes/live-codes.job.ts";
import { createVehiclesRepository } from "../vehicles/vehicles.repository.ts";
import type { AgentAccounts } from "./agent-accounts.ts";
import { createAgentAuth } from "./broker-auth.ts";
import type { BrokerLink } from "./broker-link.ts";
import { createDynsec } from "./dynsec.ts";
import { connectNats, type NatsLink } from "./nats-link.ts";
import { startEmbeddedBroker } from "./embedded-broker.ts";
import { connectRemoteBroker, redactUrl } from "./remote-broker.ts";
import { createVehicleBus, type VehicleBus } from "./vehicle-bus.ts";

export { BrokerPortInUseError } from "./embedded-broker.ts";
export { MessagingStartError } from "./broker-link.ts";

export type MessagingDeps = Pick<AppDeps, "config" | "db" | "clock" | "logger" | "keys" | "metrics">;

export interface Messaging {
  vehicleBus: VehicleBus;
  agentAccounts: AgentAccounts;
  /** Where agents connect: the embedded broker's address, or MQTT_URL. */
  brokerUrl: string;
  ingest: Ingest;
  liveCodes: LiveCodePublisher;
  /** Whether the broker link is up, for /health. */
  brokerConnected(): boolean;
  close(): Promise<void>;
}

export interface MessagingOptions extends IngestOptions {
  /** Host the embedded broker binds (default all interfaces, as the HTTP server). */
  host?: string;
  /** How long to wait for Mosquitto's dynamic-security plugin to answer before deciding it is absent. */
  dynsecTimeoutMs?: number;
  /** False for a web-only process (SERVER_ROLE=web): it publishes to vehicles but takes none of their messages. */
  ingest?: boolean;
  /** Whether this process runs the live-code round (the leader lease); one process alone by default. */
  leadership?: Leadership;
}

/**
 * The MQTT side of the server: with no MQTT_URL an embedded aedes broker on
 * MQTT_PORT whose ingest runs in-process; with MQTT_URL a client of that broker
 * subscribed through `$share/ingest/…`. Either way: ingest, the vehicle bus
 * (ack, display, alerts), agent logins, and the live-code publisher.
 */
export async function startMessaging(deps: MessagingDeps, database: Database, opts: MessagingOptions = {}): Promise<Messaging> {
  const { config, logger } = deps;
  const leadership = opts.leadership ?? soleLeader;
  const prefix = config.mqtt.topicPrefix;
  let link: BrokerLink | null = null;
  let nats: NatsLink | null = null;
  const vehicleBus = createVehicleBus((topic, payload, o) => {
    // On a NATS cluster, acks and live codes go out over NATS itself, alerts over MQTT at QoS 1 (nats-link.ts).
    if (nats && !topic.endsWith("/alerts")) return nats.publish(topic, payload);
    if (!link) return Promise.reject(new Error("MQTT is not connected"));
    return link.publish(topic, payload, o);
  }, prefix);
  const repo = createIngestRepository(deps);
  const liveCodes = createLiveCodePublisher(deps, vehicleBus, { online: repo.onlineVehicles, onlineAmong: repo.onlineAmong });
  const ingest = createIngest(deps, database, vehicleBus, {
    ...opts,
    onOnline: (vehicleId) => {
      opts.onOnline?.(vehicleId);
      liveCodes.publishTo(vehicleId).catch((err: unknown) => logger.warn({ err, vehicleId }, "could not publish live code"));
    },
    onBoardChanged: (vehicleId) => {
      opts.onBoardChanged?.(vehicleId);
      liveCodes.onBoardChanged(vehicleId);
    },
  });
  // On Mosquitto the dynamic-security plugin answers on $CONTROL/… to this same client: its replies, not an agent's message.
  const onMessage = (topic: string, payload: Buffer) => {
    if (!topic.startsWith("$CONTROL/")) ingest.handle(topic, payload);
  };

  let brokerUrl: string;
  let agentAccounts: AgentAccounts;
  if (!config.mqtt.url) {
    const vehiclesRepo = createVehiclesRepository(deps);
    const auth = createAgentAuth({ topicPrefix: prefix, passwordHash: (id) => vehiclesRepo.agentPasswordHash(id), logger });
    // A fresh embedded broker has no agents connected, whatever the database last saw.
    await database.db.execute(`update vehicle_state set online = false where online`);
    const embedded = await startEmbeddedBroker({ port: config.mqtt.port, host: opts.host, topicPrefix: prefix, auth, logger, onMessage });
    link = embedded;
    brokerUrl = `mqtt://${opts.host && opts.host !== "0.0.0.0" ? opts.host : "127.0.0.1"}:${embedded.port}`;
    agentAccounts = { provision: async (vehicleId, password) => auth.remember(vehicleId, password) };
  } else {
    // Before connecting: the nodes may require logins, and the file carries the server's own.
    const natsAccounts = config.mqtt.natsUsersFile ? createNatsAccounts(deps) : null;
    await natsAccounts?.start();
    const remote = await connectRemoteBroker({
      url: config.mqtt.url,
      username: config.mqtt.username,
      password: config.mqtt.password,
      topicPrefix: prefix,
      logger,
      onMessage,
    });
    link = remote;
    brokerUrl = config.mqtt.url;
    if (config.mqtt.natsUrls.length) {
      // A NATS cluster: vehicle logins come from its config file (nats-users.ts), ingest from a queue group.
      nats = await connectNats({
        servers: config.mqtt.natsUrls,
        username: config.mqtt.username,
        password: config.mqtt.password,
        topicPrefix: prefix,
        logger,
      }).catch(async (err: unknown) => {
        await remote.close();
        throw err;
      });
      if (opts.ingest !== false) nats.subscribeAgents(onMessage);
      agentAccounts = natsAccounts?.accounts ?? {
        provision: async (vehicleId) =>
          logger.info({ vehicleId }, "NATS_USERS_FILE is not set: add this vehicle's login to the cluster's users file yourself (docs/DESIGN.md §2) and reload the nodes"),
      };
    } else {
      agentAccounts = await mosquittoAccounts(deps, remote, opts, leadership);
      if (opts.ingest !== false) await remote.subscribeAgents();
    }
  }
  initOnlineGauge(deps, repo);

  const stopLiveCodes = whileLeader(leadership, () => schedule(logger, "live-codes", liveCodes.periodMs, liveCodes.publishAll));
  logger.info({ brokerUrl: redactUrl(brokerUrl), mode: link.mode }, "MQTT ready");

  return {
    vehicleBus,
    agentAccounts,
    brokerUrl,
    ingest,
    liveCodes,
    brokerConnected: () => (link?.connected() ?? false) && (nats?.connected() ?? true),
    async close() {
      stopLiveCodes();
      await nats?.stopAgents();
      await ingest.drain().catch(() => {});
      await liveCodes.settled();
      await nats?.close();
      await link?.close();
      link = null;
    },
  };
}

/** Vehicle logins on Mosquitto, through its dynamic-security plugin when the broker has it. */
async function mosquittoAccounts(
  deps: MessagingDeps,
  remote: Awaited<ReturnType<typeof connectRemoteBroker>>,
  opts: MessagingOptions,
  leadership: Leadership,
): Promise<AgentAccounts> {
  const { config, logger } = deps;
  const dynsec = createDynsec(remote.client, {
    topicPrefix: config.mqtt.topicPrefix,
    logger,
    timeoutMs: opts.dynsecTimeoutMs ?? 1_500,
    serverUsername: config.mqtt.username,
  });
  const hasDynsec = await dynsec.probe();
  if (hasDynsec) await dynsec.ensureServerRole();
  else {
    logger.warn(
      { url: redactUrl(config.mqtt.url!) },
      "the MQTT broker has no dynamic-security plugin (or MQTT_USERNAME is not its admin): vehicle logins and ACLs are not provisioned; configure the broker's authentication yourself",
    );
  }
  // Once per deployment, not once per process: the leader compares.
  if (hasDynsec && leadership.isLeader()) {
    void reportUnprovisioned(deps, dynsec).catch((err: unknown) => logger.warn({ err }, "could not compare vehicles with broker logins"));
  }
  return {
    provision: async (vehicleId, password) => {
      if (hasDynsec) await dynsec.provisionVehicle(vehicleId, password);
    },
  };
}

/** The gauge starts from the database, then ingest keeps it current with each status. */
function initOnlineGauge(deps: MessagingDeps, repo: ReturnType<typeof createIngestRepository>) {
  repo.onlineVehicles().then(
    (ids) => deps.metrics.vehiclesOnline.set(ids.length),
    () => {},
  );
}

/**
 * Vehicles registered while the broker was unreachable (or before dynamic
 * security was set up) have no broker login, and their plaintext password is
 * gone: give them their role now and say which need an agent password reset.
 */
async function reportUnprovisioned(deps: MessagingDeps, dynsec: ReturnType<typeof createDynsec>) {
  const clients = await dynsec.listClients();
  const logins = new Set(clients.map((c) => c.username));
  const all = await deps.db.select({ id: vehicles.id }).from(vehicles);
  const ids = new Set(all.map((v) => v.id));
  const missing = [...ids].filter((id) => !logins.has(id));
  for (const id of missing) await dynsec.ensureVehicleRole(id);
  // Logins provisioned before they were bound to their client id get bound now (DESIGN §4).
  for (const c of clients) if (ids.has(c.username) && c.clientid !== c.username) await dynsec.bindClientId(c.username);
  if (missing.length) {
    deps.logger.warn(
      { vehicles: missing.slice(0, 20), count: missing.length },
      "vehicles without a broker login: reset their agent password (POST /api/v1/vehicles/{id}/agent/reset) to provision them",
    );
  }
}
