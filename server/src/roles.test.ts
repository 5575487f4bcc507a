import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vehicleTopic } from "../../protocol/index.ts";
import { rowsOf } from "./db/client.ts";
import { startMosquitto, type Mosquitto } from "../test/mosquitto.ts";
import { adminLogin, createScratchDatabase, registerVehicle, spawnServer, type ServerProcess } from "../test/server-process.ts";
import { until } from "../test/system.ts";

/*
 * SERVER_ROLE and the leader lease across real processes (docs/DESIGN.md §2):
 * `npm start` processes on one PostgreSQL and one broker (a Mosquitto of this
 * file's own). PostgreSQL only: the embedded PGlite lives inside one process,
 * and the configuration refuses web and ingest on it (config.test.ts).
 */
describe.runIf(process.env.DATABASE_URL)("server processes sharing one database and broker", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let mosquitto: Mosquitto;
  const processes: ServerProcess[] = [];
  const clients: MqttClient[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    mosquitto = await startMosquitto();
    // A short lease and live-code period, so a takeover and a round each take seconds.
    env = { DATABASE_URL: scratch.url, MQTT_URL: mosquitto.url, LEADER_LEASE_SECONDS: "2", LIVE_CODE_TTL_SECONDS: "10" };
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await Promise.all(processes.map((p) => p.kill()));
    await mosquitto?.close();
    await scratch?.close();
  });

  const start = async (name: string, extra: Record<string, string> = {}) => {
    const p = await spawnServer(name, { ...env, ...extra });
    processes.push(p);
    return p;
  };
  const value = async (p: ServerProcess, series: string) => (await p.metrics()).get(series) ?? 0;
  const scheduled = 'live_codes_published_total{trigger="schedule"}';

  /** A vehicle that says it is online, and every live code its screen receives. */
  async function onlineVehicle(web: ServerProcess) {
    const v = await registerVehicle(web, await adminLogin(web));
    // This Mosquitto is anonymous (no dynamic security): any login passes.
    const client = await mqtt.connectAsync(mosquitto.url, { clientId: v.id, username: v.id, password: v.password, reconnectPeriod: 0 });
    clients.push(client);
    const codes: string[] = [];
    client.on("message", (_t, payload) => codes.push(payload.toString()));
    await client.subscribeAsync(vehicleTopic("", v.id, "display"), { qos: 1 });
    await client.publishAsync(vehicleTopic("", v.id, "status"), JSON.stringify({ online: true }), { qos: 1, retain: true });
    return { v, codes };
  }

  it("runs the live-code round in exactly one of two processes, and in the other once the leader is killed", async () => {
    // Both at once on an empty database: one migrates and creates the admin, the other waits or finds them.
    const [a, b] = await Promise.all([start("a"), start("b")]);
    const { codes } = await onlineVehicle(a);

    let leader!: ServerProcess;
    let follower!: ServerProcess;
    await until(async () => {
      const leads = await Promise.all([a, b].map((p) => value(p, "leader")));
      if (leads[0]! + leads[1]! !== 1) return false;
      [leader, follower] = leads[0] === 1 ? [a, b] : [b, a];
      return (await value(leader, scheduled)) >= 2;
    }, "two live-code rounds by one leader", 30_000);
    expect(await value(follower, "leader")).toBe(0);
    expect(await value(follower, scheduled)).toBe(0);
    const holder = rowsOf<{ holder: string }>(await scratch.database.db.execute("select holder from leases where name = 'leader'"))[0]!.holder;
    expect(holder).toContain(`:${leader.child.pid}:`);

    await leader.kill();
    const before = codes.length;
    await until(async () => (await value(follower, "leader")) === 1 && (await value(follower, scheduled)) >= 1, "the survivor to take over the round", 30_000);
    await until(() => codes.length > before, "a live code from the new leader");
    expect(follower.output()).toMatch(/leading: this process runs the live codes/);
  });

  it("splits the work by role: web serves the API and takes no vehicle messages, ingest takes them and serves no API", async () => {
    // Only these two share the stream: the last test's survivor would take its share of it.
    await Promise.all(processes.splice(0).map((p) => p.kill()));
    const web = await start("web", { SERVER_ROLE: "web" });
    const ingest = await start("ingest", { SERVER_ROLE: "ingest" });
    const { v } = await onlineVehicle(web);
    const client = clients.at(-1)!;
    await client.publishAsync(vehicleTopic("", v.id, "position"), JSON.stringify({ ts: Date.now(), lat: 36.65, lon: 117.12, seq: 1 }), { qos: 1 });
    await until(async () => rowsOf(await scratch.database.db.execute(`select 1 from positions where vehicle_id = '${v.id}'`)).length === 1, "the fix stored", 30_000);
    const stored = 'mqtt_messages_total{kind="position",outcome="stored"}';
    await until(async () => (await value(ingest, stored)) >= 1, "the ingest process to count it", 30_000);
    expect(await value(web, stored)).toBe(0);
    const api = await fetch(`${ingest.url}/api/v1/openapi.json`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { message: string } }).error.message).toMatch(/SERVER_ROLE=ingest/);
    expect((await fetch(`${ingest.url}/health`)).status).toBe(200);
    expect((await fetch(`${web.url}/api/v1/openapi.json`)).status).toBe(200);
  });
});
