import type { IClientOptions, MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AckMessage } from "../../../protocol/index.ts";
import { rowsOf } from "../db/client.ts";
import { createLogger } from "../logger.ts";
import { createVehiclesRepository } from "../vehicles/vehicles.repository.ts";
import { startMessaging } from "./messaging.ts";
import { startMosquitto, type Mosquitto } from "../../test/mosquitto.ts";
import { startTestSystem, until, type TestSystem } from "../../test/system.ts";

// A real Mosquitto 2 with the dynamic-security plugin, our own on a free port:
// the server provisions each vehicle's login and ACLs there at registration.
let broker: Mosquitto;
let sys: TestSystem;
beforeAll(async () => {
  broker = await startMosquitto({ dynsec: true });
  sys = await startTestSystem({ mqttUrl: broker.url, mqttUsername: broker.admin.username, mqttPassword: broker.admin.password });
});
afterAll(async () => {
  await sys?.close();
  await broker?.close();
});

/** Connects as the agent does: client id = the vehicle id, which the broker login is bound to. */
const connectAs = (vehicle: { id: string; password: string }, options: IClientOptions = {}) => sys.connect(vehicle, { clientId: vehicle.id, ...options });

const positionsOf = async (vehicleId: string) =>
  rowsOf(await sys.t.deps.db.execute(`select ts from positions where vehicle_id = '${vehicleId}'`)).length;

async function publishAndAwaitAck(client: MqttClient, vehicleId: string, seq: number) {
  await client.subscribeAsync(sys.topic(vehicleId, "ack"), { qos: 1 });
  const acked = new Promise<void>((resolve) =>
    client.on("message", (_t, p) => (JSON.parse(p.toString()) as AckMessage).seqs.includes(seq) && resolve()),
  );
  await client.publishAsync(sys.topic(vehicleId, "position"), JSON.stringify({ ts: Date.now() - seq, lat: 36.6, lon: 117.1, seq }), { qos: 1 });
  await acked;
}

describe("Mosquitto with dynamic security", () => {
  it("provisions a registered vehicle's login: its fixes are stored and acked", async () => {
    const v = await sys.registerVehicle();
    const client = await connectAs(v);
    await publishAndAwaitAck(client, v.id, 1);
    expect(await positionsOf(v.id)).toBe(1);
  });

  it("provisions the login of an owner's own application with an onboard unit, while it waits for review", async () => {
    const { cookie } = await sys.t.verifyPhone("+8613900007777");
    const res = await sys.t.call("POST", "/api/v1/applications", { plate: "鲁A·U0001", kind: "taxi", driverName: "张师傅", licence: "370100123456", onboardUnit: true }, { cookie });
    expect(res.status, res.text).toBe(201);
    const v = { id: res.json.agent.username as string, password: res.json.agent.password as string };
    await publishAndAwaitAck(await connectAs(v), v.id, 1);
    expect(await positionsOf(v.id)).toBe(1);
  });

  it("refuses a wrong password and an unprovisioned vehicle id", async () => {
    const v = await sys.registerVehicle();
    await expect(sys.connect({ id: v.id, password: "wrong-password" })).rejects.toThrow(/not authorized|bad user/i);
    await expect(sys.connect({ id: "0190a0a0-0000-7000-8000-000000000000", password: v.password })).rejects.toThrow(/not authorized|bad user/i);
  });

  it("drops what a vehicle publishes under another vehicle's id, and stores nothing of it", async () => {
    const a = await sys.registerVehicle();
    const b = await sys.registerVehicle();
    const intruder = await connectAs(a);
    await intruder.publishAsync(sys.topic(b.id, "position"), JSON.stringify({ ts: Date.now(), lat: 1, lon: 1, seq: 1 }), { qos: 1 }).catch(() => {});
    await intruder.publishAsync(sys.topic(b.id, "checkin"), JSON.stringify({ ts: Date.now(), lat: 1, lon: 1, seq: 1 }), { qos: 1 }).catch(() => {});
    await publishAndAwaitAck(await connectAs(b), b.id, 2);
    expect(await positionsOf(b.id)).toBe(1);
    await expect(intruder.subscribeAsync(sys.topic(b.id, "ack"), { qos: 1 })).rejects.toThrow(/subscribe error/i);
  });

  it("binds each vehicle's login to its client id: A cannot take over B's session with its own password and B's id", async () => {
    const a = await sys.registerVehicle();
    const b = await sys.registerVehicle();
    const bClient = await connectAs(b);
    let bClosed = false;
    bClient.on("close", () => (bClosed = true));
    await expect(sys.connect(a, { clientId: b.id })).rejects.toThrow(/not authorized|bad user|identifier rejected/i);
    // B was not kicked off and still gets its acks; A with its own id still works.
    await publishAndAwaitAck(bClient, b.id, 5);
    expect(bClosed).toBe(false);
    await publishAndAwaitAck(await connectAs(a), a.id, 6);
    // An id other than its own is refused too, so no vehicle can squat another's.
    await expect(sys.connect(a, { clientId: `${a.id}-2` })).rejects.toThrow(/not authorized|bad user|identifier rejected/i);
  });

  it("does not count the plugin's own replies as invalid agent messages", async () => {
    await sys.registerVehicle();
    await sys.registerVehicle();
    const metrics = await sys.t.deps.metrics.registry.getSingleMetricAsString("mqtt_invalid_messages_total");
    expect(metrics).not.toMatch(/reason="topic"\} [1-9]/);
  });

  it("re-keys the broker login when the agent password is reset", async () => {
    const v = await sys.registerVehicle();
    const admin = await sys.t.staff("admin");
    const reset = await sys.t.call("POST", `/api/v1/vehicles/${v.id}/agent/reset`, undefined, admin);
    expect(reset.json).toMatchObject({ brokerProvisioned: true, agent: { username: v.id } });
    await expect(connectAs(v)).rejects.toThrow(/not authorized|bad user/i);
    await publishAndAwaitAck(await connectAs({ id: v.id, password: reset.json.agent.password }), v.id, 3);
  });

  it("names at start the vehicles that have no broker login, with the way to provision them", async () => {
    // A vehicle stored without the broker hearing of it (registered before dynamic security was set up).
    const { id } = await createVehiclesRepository(sys.t.deps).register({ plate: "OLD-1", kind: "bus", operatorId: null });
    const lines: string[] = [];
    const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
    const second = await startMessaging({ ...sys.t.deps, logger }, sys.t.database);
    try {
      await until(() => lines.some((l) => l.includes("vehicles without a broker login")), "the warning");
      const warning = lines.find((l) => l.includes("vehicles without a broker login"))!;
      expect(warning).toContain(id);
      expect(warning).toContain("/agent/reset");
    } finally {
      await second.close();
    }
  });

  it("registers a vehicle while the broker is down, and provisions it by a password reset once the broker is back", async () => {
    await broker.stop();
    let v;
    try {
      v = await sys.registerVehicle(); // the registration itself must not fail or hang
    } finally {
      await broker.restart();
    }
    await expect(sys.connect(v)).rejects.toThrow(/not authorized|bad user/i);
    const admin = await sys.t.staff("admin");
    let password = "";
    await until(async () => {
      const reset = await sys.t.call("POST", `/api/v1/vehicles/${v.id}/agent/reset`, undefined, admin);
      password = reset.json.agent.password;
      return reset.json.brokerProvisioned === true;
    }, "the server to reconnect and provision the vehicle");
    await publishAndAwaitAck(await connectAs({ id: v.id, password }), v.id, 4);
  });
});
