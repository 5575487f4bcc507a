import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsCluster, type NatsCluster } from "../../test/nats-cluster.ts";
import { adminLogin, createScratchDatabase, registerVehicle, spawnServer, type ServerProcess } from "../../test/server-process.ts";
import { until } from "../../test/system.ts";

/*
 * On a NATS cluster the server keeps the vehicles' logins itself
 * (NATS_USERS_FILE, docs/DESIGN.md §2), as dynamic security does on
 * Mosquitto: a vehicle registered through the API can log in on every node
 * with the password it was given, only to its own topics; a reset locks the
 * old password out, a retired vehicle cannot log in. A real `npm start`
 * process, a real three-node cluster reloading the file it writes, MQTT.js
 * as the vehicle.
 */
const SERVER = { username: "transit-server", password: "server-secret-1" };
const topic = (id: string, channel: string) => `transit/v1/vehicles/${id}/${channel}`;

describe("vehicle logins on a NATS cluster, kept by the server", () => {
  let nats: NatsCluster;
  let server: ServerProcess;
  let auth: Record<string, string>;
  let dataDir: string;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | null = null;
  const clients: MqttClient[] = [];
  /** Not a NATS node, named by a stale pid file: it must not get the SIGHUP (which would stop it). */
  let bystander: ChildProcess;

  beforeAll(async () => {
    // No logins at first, as a cluster just set up: the server writes them, its own first.
    nats = await startNatsCluster({ users: "" });
    dataDir = mkdtempSync(path.join(tmpdir(), "nats-accounts-"));
    scratch = process.env.DATABASE_URL ? await createScratchDatabase() : null;
    bystander = spawn("sleep", ["600"], { stdio: "ignore" });
    const stalePidFile = path.join(dataDir, "gone-node.pid");
    writeFileSync(stalePidFile, `${bystander.pid}\n`);
    const started = nats.reloads();
    server = await spawnServer("nats-accounts", {
      ...(scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: dataDir }),
      MQTT_URL: nats.mqttUrls.join(","),
      NATS_URL: nats.natsUrls.join(","),
      MQTT_USERNAME: SERVER.username,
      MQTT_PASSWORD: SERVER.password,
      NATS_USERS_FILE: nats.usersFile,
      NATS_RELOAD_PID_FILES: [...nats.pidFiles, stalePidFile].join(","),
    });
    await nats.reloaded(started);
    auth = await adminLogin(server);
  }, 240_000);

  afterAll(async () => {
    bystander?.kill("SIGKILL");
    for (const c of clients) c.end(true);
    await server?.stop();
    await nats?.close();
    await scratch?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A vehicle's MQTT connection to node `node`, or the broker's refusal. */
  async function login(node: number, username: string | undefined, password: string | undefined) {
    const client = mqtt.connect(nats.mqttUrls[node]!, { clientId: `agent-${username ?? "anon"}-${node}-${clients.length}`, username, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
    clients.push(client);
    return new Promise<MqttClient>((resolve, reject) => {
      client.once("connect", () => resolve(client));
      client.once("error", reject);
      client.once("close", () => reject(new Error("closed before CONNACK")));
    });
  }

  const refused = (node: number, username: string | undefined, password: string | undefined) =>
    login(node, username, password).then(
      () => {
        throw new Error(`${username ?? "anonymous"} was let in`);
      },
      (err: Error) => err.message,
    );

  /** Registers a vehicle and waits until every node has its login. */
  async function registered() {
    const before = nats.reloads();
    const vehicle = await registerVehicle(server, auth);
    await nats.reloaded(before);
    return vehicle;
  }

  it("writes the file with the server's login first, so anonymous clients are refused", async () => {
    expect(readFileSync(nats.usersFile, "utf8")).toMatch(new RegExp(`^authorization \\{\\n  users = \\[\\n    \\{ user: "${SERVER.username}", password: "\\$2`));
    // Plaintext never reaches the file: the nodes check bcrypt hashes.
    expect(readFileSync(nats.usersFile, "utf8")).not.toContain(SERVER.password);
    expect(await refused(0, undefined, undefined)).toMatch(/Not authorized|Bad username or password/i);
    // The stale pid file named a process that is not a node: it was left alone, and the log says why.
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    expect(server.output()).toMatch(/not nats-server/);
  });

  it("lets a registered vehicle in on every node, publishing its own fixes and hearing its own acks only", async () => {
    const vehicle = await registered();
    const other = await registered();
    expect(readFileSync(nats.usersFile, "utf8")).not.toContain(vehicle.password);
    for (const node of [0, 1, 2]) (await login(node, vehicle.id, vehicle.password)).end(true);

    const client = await login(1, vehicle.id, vehicle.password);
    await client.subscribeAsync(topic(vehicle.id, "ack"), { qos: 1 });
    await expect(client.subscribeAsync(topic(other.id, "ack"), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const acks: unknown[] = [];
    client.on("message", (t, payload) => t === topic(vehicle.id, "ack") && acks.push(JSON.parse(payload.toString())));
    const fix = (seq: number) => JSON.stringify({ ts: Date.now(), lat: 36.65, lon: 117.01, seq });
    await client.publishAsync(topic(vehicle.id, "position"), fix(1), { qos: 1 });
    await until(() => acks.length > 0, "the ack of its fix");
    expect(acks).toEqual([{ seqs: [1] }]);

    // A fix on another vehicle's topic under this login never reaches the server; its own next one does.
    const stored = async () => (await server.metrics()).get('mqtt_messages_total{kind="position",outcome="stored"}') ?? 0;
    const before = await stored();
    await client.publishAsync(topic(other.id, "position"), fix(2), { qos: 1 }).catch(() => {});
    const own = client.connected ? client : await login(1, vehicle.id, vehicle.password);
    await own.publishAsync(topic(vehicle.id, "position"), fix(3), { qos: 1 });
    await until(async () => (await stored()) > before, "the vehicle's own next fix stored");
    expect(await stored()).toBe(before + 1);

    expect(await refused(0, vehicle.id, "not-its-password")).toMatch(/Not authorized|Bad username or password/i);
    expect(await refused(0, vehicle.id, other.password)).toMatch(/Not authorized|Bad username or password/i);
  });

  it("locks the old password out at a reset, and a retired vehicle out for good", async () => {
    const vehicle = await registered();
    (await login(0, vehicle.id, vehicle.password)).end(true);

    let before = nats.reloads();
    const res = await fetch(`${server.url}/api/v1/vehicles/${vehicle.id}/agent/reset`, { method: "POST", headers: { origin: server.url, ...auth } });
    expect(res.status).toBe(200);
    const reset = (await res.json()) as { agent: { password: string }; brokerProvisioned: boolean };
    expect(reset.brokerProvisioned).toBe(true);
    await nats.reloaded(before);
    expect(await refused(1, vehicle.id, vehicle.password)).toMatch(/Not authorized|Bad username or password/i);
    (await login(1, vehicle.id, reset.agent.password)).end(true);

    before = nats.reloads();
    expect((await fetch(`${server.url}/api/v1/vehicles/${vehicle.id}/retire`, { method: "POST", headers: { origin: server.url, ...auth } })).status).toBe(200);
    await nats.reloaded(before);
    expect(readFileSync(nats.usersFile, "utf8")).not.toContain(vehicle.id);
    expect(await refused(2, vehicle.id, reset.agent.password)).toMatch(/Not authorized|Bad username or password/i);
  });
});
