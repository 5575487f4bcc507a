import { randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import { allVehiclesTopic, fixesOf, positionMessage, vehicleTopic, type AckMessage, type AgentChannel } from "../../protocol/index.ts";

/**
 * A broker for the agent's own tests: the machine's Mosquitto when MQTT_URL is
 * set (MQTT 5 path), else a bare in-process aedes on a free port (MQTT 3.1.1
 * fallback path). Each test gets its own topic prefix, so runs never mix.
 */
export async function startBroker() {
  const prefix = `agent-test-${randomBytes(4).toString("hex")}/`;
  if (process.env.MQTT_URL) {
    return { url: process.env.MQTT_URL, prefix, restartable: false as const, close: async () => {} };
  }
  const bare = await startBareAedes();
  return { url: bare.url, prefix, restartable: true as const, close: bare.close, bare };
}

/** An aedes you control: stop() drops every connection, start() listens again on the same port. */
export async function startBareAedes(fixedPort = 0) {
  let broker = await Aedes.createBroker();
  let server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
  const port = await listen(fixedPort);
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    /** A fresh broker on the same port: like a restart, it has lost every session. */
    async start() {
      broker = await Aedes.createBroker();
      server = net.createServer(broker.handle);
      await listen(port);
    },
    close: stop,
  };
}

export interface Received {
  channel: AgentChannel;
  vehicleId: string;
  json: Record<string, unknown>;
}

/**
 * Stands in for the server's ingest: records what vehicles publish and, when
 * `autoAck` is on, acks each message's seq the way the server does after its
 * commit. Fixes are keyed by ts, as the positions table is.
 */
export async function startFakeIngest(url: string, prefix: string) {
  const client: MqttClient = await mqtt.connectAsync(url, { clientId: `ingest-${randomUUID()}`, reconnectPeriod: 200, protocolVersion: 4 });
  const received: Received[] = [];
  const fixes = new Map<string, Map<number, unknown>>();
  const state = { autoAck: true, reject: new Set<number>() };
  for (const channel of ["position", "trip", "checkin", "status"] as const) await client.subscribeAsync(allVehiclesTopic(prefix, channel), { qos: 1 });
  client.on("message", (topic, payload) => {
    const parts = topic.slice(prefix.length).split("/");
    const vehicleId = parts[3]!;
    const channel = parts[4] as AgentChannel;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      return;
    }
    received.push({ channel, vehicleId, json });
    if (channel === "position") {
      const message = positionMessage.parse(json);
      const own = fixes.get(vehicleId) ?? new Map<number, unknown>();
      fixes.set(vehicleId, own);
      for (const fix of fixesOf(message)) own.set(fix.ts, fix);
    }
    if (state.autoAck && typeof json.seq === "number") {
      const seq = json.seq;
      const ack: AckMessage = state.reject.has(seq) ? { seqs: [], rejected: [{ seq, code: "bad_pass", message: "the pass does not verify" }] } : { seqs: [seq] };
      client.publish(vehicleTopic(prefix, vehicleId, "ack"), JSON.stringify(ack), { qos: 1 });
    }
  });
  return {
    client,
    received,
    fixes,
    state,
    ack: (vehicleId: string, ack: AckMessage) => client.publishAsync(vehicleTopic(prefix, vehicleId, "ack"), JSON.stringify(ack), { qos: 1 }),
    publish: (vehicleId: string, channel: "display" | "alerts", body: unknown, retain = false) =>
      // An empty retained payload clears the retained message.
      client.publishAsync(vehicleTopic(prefix, vehicleId, channel), body === "" ? "" : JSON.stringify(body), { qos: 1, retain }),
    close: () => client.endAsync(true),
  };
}

/** Polls until `check` returns a value (not undefined/false); the test's own timeout bounds it. */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A TCP proxy in front of a broker that a test can cut and restore, as a
 * tunnel or a mobile network would: works the same for aedes and Mosquitto.
 */
export async function startCuttableLink(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  let up = true;
  const pairs = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(Number(targetPort || 1883), hostname);
    pairs.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream).pipe(client);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut() {
      up = false;
      for (const s of pairs) s.destroy();
    },
    restore() {
      up = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of pairs) s.destroy();
        server.close(() => resolve());
      }),
  };
}
