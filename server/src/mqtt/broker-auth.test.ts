import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AckMessage } from "../../../protocol/index.ts";
import { rowsOf } from "../db/client.ts";
import { startTestSystem, type TestSystem } from "../../test/system.ts";

// The embedded broker's own auth, whatever MQTT_URL says (a real broker's auth is dynsec.test.ts).
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ embedded: true });
});
afterAll(() => sys.close());

const positionsOf = async (vehicleId: string) =>
  rowsOf(await sys.t.deps.db.execute(`select ts from positions where vehicle_id = '${vehicleId}'`)).length;

/** Publishes a fix as `vehicle` and waits for its ack: proof the server has taken everything sent before. */
async function syncPoint(vehicle: { id: string; password: string }, seq: number) {
  const client = await sys.connect(vehicle);
  await client.subscribeAsync(sys.topic(vehicle.id, "ack"), { qos: 1 });
  const acked = new Promise<void>((resolve) =>
    client.on("message", (_t, p) => (JSON.parse(p.toString()) as AckMessage).seqs.includes(seq) && resolve()),
  );
  await client.publishAsync(sys.topic(vehicle.id, "position"), JSON.stringify({ ts: Date.now() - seq, lat: 36.6, lon: 117.1, seq }), { qos: 1 });
  await acked;
}

describe("embedded broker auth", () => {
  it("refuses a vehicle's login with a wrong password, and an unknown vehicle", async () => {
    const v = await sys.registerVehicle();
    await expect(sys.connect({ id: v.id, password: "not-the-password" })).rejects.toThrow(/bad user ?name or password/i);
    await expect(sys.connect({ id: "0190a0a0-0000-7000-8000-000000000000", password: v.password })).rejects.toThrow(/bad user ?name or password/i);
    await expect(sys.connect(v)).resolves.toBeDefined();
  });

  it("refuses a client id that does not name the vehicle, so no vehicle can take over another's session", async () => {
    const v = await sys.registerVehicle();
    await expect(sys.connect(v, { clientId: "someone-else" })).rejects.toThrow(/identifier rejected/i);
  });

  it("refuses a vehicle publishing under another vehicle's id, and stores nothing of it", async () => {
    const a = await sys.registerVehicle();
    const b = await sys.registerVehicle();
    const intruder = await sys.connect(a);
    const closed = new Promise<void>((resolve) => intruder.once("close", () => resolve()));
    intruder.publish(sys.topic(b.id, "position"), JSON.stringify({ ts: Date.now(), lat: 1, lon: 1, seq: 1 }), { qos: 1 });
    await closed; // aedes drops the connection of a client that publishes where it may not
    await syncPoint(b, 2);
    expect(await positionsOf(b.id)).toBe(1); // only b's own fix
    expect(await positionsOf(a.id)).toBe(0);
  });

  it("lets a vehicle subscribe to its own ack, display and alerts only", async () => {
    const a = await sys.registerVehicle();
    const b = await sys.registerVehicle();
    const client = await sys.connect(a);
    const own = await client.subscribeAsync(["ack", "display", "alerts"].map((c) => sys.topic(a.id, c as "ack")), { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1, 1, 1]);
    for (const topic of [sys.topic(b.id, "ack"), sys.topic(a.id, "position"), "transit/v1/vehicles/+/display", "#"]) {
      await expect(client.subscribeAsync(topic, { qos: 1 }), topic).rejects.toThrow(/subscribe error/i); // SUBACK 0x80
    }
    expect(client.connected).toBe(true);
  });

  it("forgets the old password when the agent password is reset", async () => {
    const v = await sys.registerVehicle();
    (await sys.connect(v)).end();
    const admin = await sys.t.staff("admin");
    const reset = await sys.t.call("POST", `/api/v1/vehicles/${v.id}/agent/reset`, undefined, admin);
    expect(reset.status).toBe(200);
    expect(reset.json.agent.username).toBe(v.id);
    expect(reset.json.agent.password).not.toBe(v.password);
    await expect(sys.connect(v)).rejects.toThrow(/bad user ?name or password/i);
    await expect(sys.connect({ id: v.id, password: reset.json.agent.password })).resolves.toBeDefined();
  });

  it("lets only an admin or the vehicle's own operator reset its agent password", async () => {
    const mine = await sys.t.staff("operator", "Jinan Bus");
    const theirs = await sys.t.staff("operator", "Qingdao Taxi");
    const tracer = await sys.t.staff("tracer");
    const v = (await sys.t.call("POST", "/api/v1/vehicles", { plate: "鲁A·70001", kind: "bus" }, mine)).json;
    const reset = (who?: Record<string, string>) => sys.t.call("POST", `/api/v1/vehicles/${v.id}/agent/reset`, undefined, who);
    expect((await reset(theirs)).status).toBe(403);
    expect((await reset(tracer)).status).toBe(403);
    expect((await reset()).status).toBe(401);
    await expect(sys.connect({ id: v.id, password: v.agent.password })).resolves.toBeDefined(); // refused resets changed nothing
    expect((await reset(mine)).status).toBe(200);
    expect((await sys.t.call("POST", "/api/v1/vehicles/0190a0a0-0000-7000-8000-000000000000/agent/reset", undefined, mine)).status).toBe(404);
  });
});
