import { createServer, type AddressInfo } from "node:net";
import { Aedes } from "aedes";
import type { Logger } from "pino";
import { allVehiclesTopic, agentChannels, vehicleTopic } from "../../../protocol/index.ts";
import type { AgentAuth } from "./broker-auth.ts";
import { retainedIndexedPersistence } from "./retained-index.ts";
import { MessagingStartError, type BrokerLink, type InboundHandler } from "./broker-link.ts";

export class BrokerPortInUseError extends MessagingStartError {}

/**
 * The embedded broker (no MQTT_URL): aedes in this process on MQTT_PORT.
 * aedes has no shared subscriptions, and needs none: this one server takes
 * every agent message in-process, straight from the broker.
 */
export async function startEmbeddedBroker(opts: {
  port: number;
  host?: string;
  topicPrefix: string;
  auth: AgentAuth;
  logger: Logger;
  onMessage: InboundHandler;
}): Promise<BrokerLink & { port: number }> {
  const broker = await Aedes.createBroker({
    persistence: retainedIndexedPersistence(),
    authenticate: opts.auth.authenticate,
    authorizePublish: opts.auth.authorizePublish,
    authorizeSubscribe: opts.auth.authorizeSubscribe,
  });
  broker.on("clientError", (client, err) => opts.logger.debug({ clientId: client.id, err: err.message }, "mqtt client error"));

  // A clean DISCONNECT sends no Last Will, so an agent that leaves without its own {online:false}
  // (killed between the two, or another MQTT client) stayed "online". This broker sees every
  // connection: when a vehicle's last one closes, ingest gets the offline status the will would carry.
  const connections = new Map<string, number>();
  let closing = false;
  broker.on("client", (client) => {
    const vehicleId = opts.auth.vehicleOf(client);
    if (vehicleId) connections.set(vehicleId, (connections.get(vehicleId) ?? 0) + 1);
  });
  broker.on("clientDisconnect", (client) => {
    const vehicleId = opts.auth.vehicleOf(client);
    if (!vehicleId || closing) return;
    const left = (connections.get(vehicleId) ?? 1) - 1;
    if (left > 0) return void connections.set(vehicleId, left);
    connections.delete(vehicleId);
    opts.onMessage(vehicleTopic(opts.topicPrefix, vehicleId, "status"), Buffer.from(JSON.stringify({ online: false })));
  });

  for (const channel of agentChannels) {
    await new Promise<void>((resolve) =>
      broker.subscribe(
        allVehiclesTopic(opts.topicPrefix, channel),
        (packet, cb) => {
          opts.onMessage(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
          cb();
        },
        resolve,
      ),
    );
  }

  const server = createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    broker.close();
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new BrokerPortInUseError(
        `MQTT port ${opts.port} is already in use (another MQTT broker, such as Mosquitto, may be running). ` +
          `Set MQTT_PORT to a free port for the embedded broker, or set MQTT_URL to use that broker instead.`,
      );
    }
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  opts.logger.info({ port }, "embedded MQTT broker listening");

  return {
    port,
    mode: "embedded",
    publish: (topic, payload, { retain = false } = {}) =>
      new Promise<void>((resolve, reject) =>
        broker.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    connected: () => !closing,
    close: async () => {
      closing = true; // the next start marks every vehicle offline anyway
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
