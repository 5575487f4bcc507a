import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { startServer, type RunningServer } from "../server.ts";
import { standbyUnavailable, startPrimaryAndStandby, type PrimaryAndStandby } from "../../test/standby.ts";
import { lagOf } from "./read-replica.ts";

/*
 * Reads off the primary, on a real streaming standby this file builds
 * (initdb + pg_basebackup -R, test/standby.ts): the server, started as main.ts
 * starts it with DATABASE_URL and DATABASE_READ_URL, reads trips from the
 * standby, writes check-ins to the primary, and reads from the primary while
 * the standby lags more than DATABASE_READ_MAX_LAG_SECONDS.
 */

describe("the lag a standby's answer means", () => {
  const row = { in_recovery: true, caught_up: false, receiver: "streaming", lag_ms: 2_500 };
  it("is 0 when everything received is replayed, however old the last commit", () => {
    expect(lagOf({ ...row, caught_up: true, lag_ms: 3_600_000 })).toBe(0);
  });
  it("is the age of the newest replayed commit while replay is behind", () => {
    expect(lagOf(row)).toBe(2_500);
  });
  it("is unknown while the WAL receiver is not streaming", () => {
    expect(lagOf({ ...row, caught_up: true, receiver: "waiting" })).toBeNull();
  });
  it("is 0 on a server that is not a standby", () => {
    expect(lagOf({ ...row, in_recovery: false })).toBe(0);
  });
});

const unavailable = standbyUnavailable();
if (unavailable) console.warn(`read-replica.test.ts: skipping the standby tests: ${unavailable}`);

describe.skipIf(unavailable !== null)("a server with a streaming standby for reads", () => {
  let pgs: PrimaryAndStandby;
  let running: RunningServer;
  let dataDir: string;
  let base: string;
  let admin: string;
  const trip = { id: uuidv7(), vehicleId: "" };

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { "content-type": "application/json", ...(admin ? { authorization: admin } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: unknown } };
  };
  const until = async (what: string, ok: () => Promise<boolean> | boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const onStandby = async () => (await pgs.standby`select 1 from trips where id = ${trip.id}`).length === 1;

  beforeAll(async () => {
    pgs = await startPrimaryAndStandby();
    dataDir = mkdtempSync(path.join(tmpdir(), "read-replica-"));
    const config = loadConfig({
      DATABASE_URL: pgs.primaryUrl,
      DATABASE_READ_URL: pgs.standbyUrl,
      DATABASE_READ_MAX_LAG_SECONDS: "1",
      DATA_KEY: Buffer.alloc(32, 3).toString("base64"),
      ADMIN_PASSWORD: "read-replica-admin",
      DATA_DIR: dataDir,
      PORT: "0",
      MQTT_PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
    });
    running = await startServer(config, pino({ level: "silent" }));
    base = `http://127.0.0.1:${running.port}`;
    admin = "";
    const login = await call("POST", "/api/v1/auth/login", { username: "admin", password: "read-replica-admin" });
    admin = `Bearer ${login.json.token as string}`;
    const vehicle = await call("POST", "/api/v1/vehicles", { plate: "鲁A-RR001", kind: "bus", routeId: "K51" });
    trip.vehicleId = vehicle.json.id as string;
    // The trip is written straight to the primary: what is tested is where the server reads it.
    await pgs.primary`insert into trips (id, vehicle_id, started_at, route_id) values (${trip.id}, ${trip.vehicleId}, now() - interval '5 minutes', 'OLD')`;
    await until("the trip to reach the standby", onStandby);
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await pgs?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("reads a trip from the standby while it keeps up", async () => {
    await until("reads to go to the standby", () => running.readReplica!.target() === "standby");
    const res = await call("GET", `/api/v1/trips/${trip.id}`);
    expect(res.status).toBe(200);
    expect(res.json.routeId).toBe("OLD");
    // The read pool's connections are on the standby, and their last statements read trips, tracks and check-ins.
    const reads = await pgs.standby<{ query: string }[]>`select query from pg_stat_activity where application_name = 'transit-checkin-read'`;
    expect(reads.some((r) => /trips|positions|checkins/.test(r.query))).toBe(true);
    const onPrimary = await pgs.primary`select 1 from pg_stat_activity where application_name = 'transit-checkin-read'`;
    expect(onPrimary).toHaveLength(0);
  }, 30_000);

  it("writes a check-in to the primary while reads go to the standby", async () => {
    expect(running.readReplica!.target()).toBe("standby");
    const vehicle = await call("GET", `/api/v1/vehicles/${trip.vehicleId}`);
    const code = (vehicle.json.code as { id: string }).id;
    const res = await call("POST", "/api/v1/checkins", { code, phone: "13800000042" });
    expect(res.status).toBe(201);
    const stored = await pgs.primary`select 1 from checkins where id = ${res.json.checkinId as string}`;
    expect(stored).toHaveLength(1);
  }, 30_000);

  it("reads from the primary while the standby lags more than the bound, and from the standby again once it catches up", async () => {
    await pgs.standby`select pg_wal_replay_pause()`;
    try {
      await pgs.primary`update trips set route_id = 'NEW' where id = ${trip.id}`;
      await until("reads to fall back to the primary", async () => {
        await running.readReplica!.check();
        return running.readReplica!.target() === "primary";
      });
      expect((await pgs.standby<{ route_id: string }[]>`select route_id from trips where id = ${trip.id}`)[0]!.route_id).toBe("OLD");
      const res = await call("GET", `/api/v1/trips/${trip.id}`);
      expect(res.json.routeId).toBe("NEW");
    } finally {
      await pgs.standby`select pg_wal_replay_resume()`;
    }
    await until("reads to return to the standby", async () => {
      await running.readReplica!.check();
      return running.readReplica!.target() === "standby";
    });
    expect((await call("GET", `/api/v1/trips/${trip.id}`)).json.routeId).toBe("NEW");
  }, 60_000);
});
