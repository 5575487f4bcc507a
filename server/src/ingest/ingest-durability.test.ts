import { createServer, connect, type Server, type Socket } from "node:net";
import { randomUUID } from "node:crypto";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AckMessage } from "../../../protocol/index.ts";
import { openDatabase, rowsOf, type Database } from "../db/client.ts";
import { createTestDatabase } from "../../test/harness.ts";
import { freePort } from "../../test/mosquitto.ts";
import { startTestSystem, until, type TestSystem } from "../../test/system.ts";

/*
 * The promise the agent's outbox relies on: an ack means committed. While the
 * database cannot commit, nothing is acked (the agent keeps and resends);
 * once it can again, acks resume.
 */

async function vehicleInbox(sys: TestSystem) {
  const v = await sys.registerVehicle();
  const client = await sys.connect(v);
  const acked = new Set<number>();
  const ackedAt = new Map<number, number>();
  client.on("message", (_t, p) => {
    for (const s of (JSON.parse(p.toString()) as AckMessage).seqs) {
      acked.add(s);
      ackedAt.set(s, Date.now());
    }
  });
  await client.subscribeAsync(sys.topic(v.id, "ack"), { qos: 1 });
  return { v, client, acked, ackedAt };
}

const fix = (client: MqttClient, sys: TestSystem, vehicleId: string, seq: number) =>
  client.publishAsync(sys.topic(vehicleId, "position"), JSON.stringify({ ts: Date.now() - 1000 + seq, lat: 36.6, lon: 117.1, seq }), { qos: 1 });

const trip = (client: MqttClient, sys: TestSystem, vehicleId: string, seq: number) =>
  client.publishAsync(sys.topic(vehicleId, "trip"), JSON.stringify({ event: "start", tripId: randomUUID(), ts: Date.now(), seq }), { qos: 1 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const positionsOf = async (sys: TestSystem, vehicleId: string) =>
  rowsOf(await sys.t.deps.db.execute(`select ts from positions where vehicle_id = '${vehicleId}'`)).length;

describe("acks and the database", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.close());

  it("acks a fix only after its row is committed", async () => {
    const { v, client, acked } = await vehicleInbox(sys);
    const db = sys.t.database;
    // Hold the write back: a transaction that locks positions (PostgreSQL) or holds PGlite's only connection.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = db.postgres
      ? db.postgres.begin(async (tx) => {
          await tx`lock table positions in exclusive mode`;
          locked();
          await released;
        })
      : db.pglite!.transaction(async () => {
          locked();
          await released;
        });
    await isLocked;
    await fix(client, sys, v.id, 1);
    await sleep(700);
    expect(acked.has(1)).toBe(false);
    release();
    await holder;
    await until(() => acked.has(1), "the ack after the commit");
    expect(await positionsOf(sys, v.id)).toBe(1);
  });

  it("does not ack while the database refuses writes, and acks again once it accepts them", async () => {
    const { v, client, acked } = await vehicleInbox(sys);
    await sys.t.deps.db.execute(`alter table positions rename to positions_away`);
    await sys.t.deps.db.execute(`alter table trips rename to trips_away`);
    try {
      await fix(client, sys, v.id, 1);
      await trip(client, sys, v.id, 2);
      await sleep(700);
      expect([...acked]).toEqual([]);
    } finally {
      await sys.t.deps.db.execute(`alter table positions_away rename to positions`);
      await sys.t.deps.db.execute(`alter table trips_away rename to trips`);
    }
    // The agent resends what was not acked; this time it is stored and acked.
    await fix(client, sys, v.id, 1);
    await trip(client, sys, v.id, 2);
    await until(() => acked.has(1) && acked.has(2), "acks after the database is back");
    expect(await positionsOf(sys, v.id)).toBe(1);
  });
});

/** A TCP proxy in front of PostgreSQL that a test can cut and restore: the database becomes unreachable. */
async function startProxy(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((inbound) => {
        const outbound = connect(target.port, target.host);
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {});
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      server.listen(port, "127.0.0.1", resolve);
    });
  await open();
  return {
    port,
    async cut() {
      const closed = new Promise((resolve) => server!.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: open,
    close: async () => {
      const closed = new Promise((resolve) => (server?.listening ? server.close(resolve) : resolve(null)));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe.runIf(process.env.DATABASE_URL)("PostgreSQL unreachable", () => {
  let direct: Database;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let sys: TestSystem;
  beforeAll(async () => {
    direct = await createTestDatabase();
    const opts = direct.postgres!.options;
    proxy = await startProxy({ host: String(opts.host[0] ?? "127.0.0.1"), port: Number(opts.port[0] ?? 5432) });
    const url = new URL(process.env.DATABASE_URL!);
    url.host = `127.0.0.1:${proxy.port}`;
    url.pathname = `/${opts.database}`;
    const viaProxy = await openDatabase({ databaseUrl: url.toString(), dataDir: null, poolSize: 4 });
    sys = await startTestSystem({ database: viaProxy });
  });
  afterAll(async () => {
    await sys?.close();
    await proxy?.close();
    await direct?.close();
  });

  it("acks nothing while the database is unreachable, and everything resent afterwards", async () => {
    const { v, client, acked } = await vehicleInbox(sys);
    await fix(client, sys, v.id, 1);
    await until(() => acked.has(1), "the first ack");
    await proxy.cut();
    await fix(client, sys, v.id, 2);
    await trip(client, sys, v.id, 3);
    await sleep(1000);
    expect([...acked]).toEqual([1]);
    await proxy.restore();
    await fix(client, sys, v.id, 2);
    await trip(client, sys, v.id, 3);
    await until(() => acked.has(2) && acked.has(3), "acks once the database is reachable");
    expect(rowsOf(await direct.db.execute(`select ts from positions where vehicle_id = '${v.id}'`))).toHaveLength(2);
  });
});
