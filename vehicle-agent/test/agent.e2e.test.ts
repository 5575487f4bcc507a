import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import { sql, type SQL } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../server/src/db/client.ts";
import { startTestSystem, type TestSystem } from "../../server/test/system.ts";
import { createAgent } from "../src/agent.ts";
import { parseAgentArgs, type AgentConfig } from "../src/config.ts";
import { silentLog } from "../src/log.ts";
import { readCsvTrack } from "../src/gps/csv.ts";
import { startCuttableLink, until } from "./broker.ts";
import { AUSTIN_CSV, austinStyleTrack, exitOf, spawnAgent, storedFixes, storedTrips } from "./spawn.ts";

/**
 * The agent against the real server (app, database, broker, ingest), as a
 * driver would run it: what it records must arrive, once, whatever happens
 * to the agent on the way.
 */
describe("agent end to end", () => {
  let system: TestSystem;
  let dir: string;

  beforeAll(async () => {
    system = await startTestSystem();
    dir = mkdtempSync(path.join(tmpdir(), "agent-e2e-"));
  });
  afterAll(async () => {
    await system?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const db = () => system.t.database.db;
  const count = async (rows: SQL) => rowsOf<{ n: number }>(await db().execute(sql`select count(*)::int as n from (${rows}) r`))[0]!.n;

  /** A printed pass, as a service desk issues one (the public route needs a device that proved the phone). */
  async function issuePass(phone: string, name: string) {
    const desk = { authorization: (await system.t.staff("admin")).authorization };
    const issued = await system.t.call("POST", "/api/v1/passes", { phone, name }, desk);
    expect(issued.status).toBe(201);
    return issued;
  }

  /** The real HTTP API on a free port, so the agent fetches and caches the pass key as it would from the server. */
  async function serveApi() {
    const http = serve({ fetch: system.t.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => http.once("listening", r));
    return { http, server: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
  }

  function baseArgs(vehicle: { id: string; password: string }, url = system.mqttUrl) {
    return [
      ...["--url", url, "--vehicle", vehicle.id, "--password", vehicle.password],
      ...(system.topicPrefix ? ["--topic-prefix", system.topicPrefix] : []),
      ...["--outbox", path.join(dir, `${vehicle.id}.sqlite`), "--http-port=-1", "--no-terminal-qr", "--quiet"],
      ...["--reconnect-min", "0.1", "--reconnect-max", "1", "--ack-timeout", "3"],
    ];
  }

  it("loses nothing and stores nothing twice when the agent is killed with SIGKILL mid-run and started again", async () => {
    const vehicle = await system.registerVehicle();
    const n = 80;
    const track = path.join(dir, "kill.csv");
    writeFileSync(track, austinStyleTrack("bus-1", n));
    const args = [...baseArgs(vehicle), "--replay", track, "--vehicle-filter", "bus-1", "--speed", "10", "--exit-when-done"];

    const first = spawnAgent(args);
    await until(async () => (await storedFixes(db(), vehicle.id)).length >= 15, "some fixes stored before the kill");
    first.child.kill("SIGKILL");
    await first.exited;
    const beforeRestart = (await storedFixes(db(), vehicle.id)).length;
    expect(beforeRestart).toBeLessThan(n);

    const second = spawnAgent(args);
    expect(await exitOf(second)).toBe(0);
    await system.drain();

    const fixes = await storedFixes(db(), vehicle.id);
    expect(fixes).toHaveLength(n);
    // Same spacing as the file: the resumed run kept the first run's time shift, so no fix was stamped twice.
    expect(fixes.map((f) => f.ts - fixes[0]!.ts)).toEqual(Array.from({ length: n }, (_, i) => i * 1000));
    expect(fixes.every((f) => f.flag === null)).toBe(true);
    const trips = await storedTrips(db(), vehicle.id);
    expect(trips.map((t) => [t.routeId, t.direction])).toEqual([
      ["K51", "K51 up"],
      ["K51", "K51 down"],
    ]);
    expect(trips.every((t) => t.startedAt !== null && t.endedAt !== null)).toBe(true);
    expect(trips[0]!.startedAt).toBe(fixes[0]!.ts);
    expect(trips[1]!.endedAt).toBe(fixes.at(-1)!.ts);
  });

  it("stores every fix, trip event and check-in once when the same messages are delivered twice", async () => {
    const vehicle = await system.registerVehicle({ kind: "taxi" });
    const issued = await issuePass("13800138000", "Li Hua");
    const { server, http } = await serveApi();
    const link = await startCuttableLink(system.mqttUrl);
    try {
      // Offline: the agent records a short track, a fare and a pass read, all into its outbox.
      link.cut();
      const track = path.join(dir, "dup.csv");
      writeFileSync(track, `ts,lat,lon\n${Array.from({ length: 30 }, (_, i) => `${1_764_000_000 + i},22.54${String(i).padStart(2, "0")},114.05`).join("\n")}\n`);
      const config = parseAgentArgs([...baseArgs(vehicle, link.url), "--replay", track, "--speed", "1000", "--server", server]) as AgentConfig;
      const offline = await createAgent(config, silentLog);
      await offline.start();
      await until(() => offline.state().passKey, "pass key fetched from the server");
      offline.handleLine("fare F-1001");
      expect(offline.scan(issued.json.pass)).toMatchObject({ outcome: "accepted", verified: true });
      offline.handleLine("end");
      await until(() => offline.outbox.pendingFixes() === 30, "track recorded offline");
      await offline.stop();

      // A copy of the outbox is what an agent holds when the server's acks were lost: it will send it all again.
      const copy = `${config.outbox}.copy`;
      copyFileSync(config.outbox, copy);
      for (let round = 0; round < 2; round++) {
        if (round === 1) copyFileSync(copy, config.outbox);
        link.restore();
        // Same outbox, no GPS source: it only sends what it holds.
        const agent = await createAgent({ ...config, replay: undefined }, silentLog);
        await agent.start();
        await until(() => agent.outbox.size() === 0, `round ${round + 1} acked`);
        await agent.stop();
      }
      await system.drain();

      expect(await storedFixes(db(), vehicle.id)).toHaveLength(30);
      const trips = await storedTrips(db(), vehicle.id);
      expect(trips).toHaveLength(1);
      expect(trips[0]!.endedAt).not.toBeNull();
      const checkins = rowsOf<{ source: string }>(await db().execute(sql`select source from checkins where vehicle_id = ${vehicle.id}`));
      expect(checkins).toEqual([{ source: "pass" }]);
    } finally {
      await link.close();
      http.close();
    }
  });

  it("runs as npm run agent does: fetches the pass key, takes trip commands and a scanned pass from stdin, and goes offline on SIGTERM", async () => {
    const vehicle = await system.registerVehicle({ routeId: "K51" });
    const issued = await issuePass("13800138001", "Wang Fang");
    const { server, http } = await serveApi();
    const own = mkdtempSync(path.join(dir, "stdin-")); // its own pass-key cache, next to its outbox
    try {
      const agent = spawnAgent([
        ...baseArgs(vehicle).map((a) => (a.endsWith(".sqlite") ? path.join(own, "agent.sqlite") : a)),
        ...["--server", server],
        ...["--simulate", "36.6512,117.1201;36.6600,117.1300", "--interval", "1"],
      ]);
      await until(() => existsSync(path.join(own, "pass-public-key.pem")), `pass key fetched and cached\n${agent.output()}`);
      await until(async () => (await count(sql`select 1 from vehicle_state where vehicle_id = ${vehicle.id} and online`)) === 1, "online");
      agent.child.stdin!.write("start K51 up\n");
      await until(async () => (await storedTrips(db(), vehicle.id)).length === 1, "trip opened");
      agent.child.stdin!.write(`${issued.json.pass}\n`); // a USB scanner types the pass like a keyboard
      await until(async () => (await count(sql`select 1 from checkins where vehicle_id = ${vehicle.id} and person_id = ${issued.json.personId} and source = 'pass'`)) === 1, "pass check-in");
      agent.child.stdin!.write("end\n");
      await until(async () => (await storedTrips(db(), vehicle.id))[0]!.endedAt !== null, "trip closed");
      await until(async () => (await storedFixes(db(), vehicle.id)).length >= 2, "the track grows");
      agent.child.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
      await until(async () => (await count(sql`select 1 from vehicle_state where vehicle_id = ${vehicle.id} and not online`)) === 1, "offline");
    } finally {
      http.close();
    }
  });

  it.skipIf(!AUSTIN_CSV)("replays one real Austin bus end to end: its track and trips come back from the API with every fix", async () => {
    const vehicle = await system.registerVehicle({ routeId: "801" });
    const bus = "5009";
    const source = await readCsvTrack(AUSTIN_CSV!, bus);
    const agent = spawnAgent([...baseArgs(vehicle), "--replay", AUSTIN_CSV!, "--vehicle-filter", bus, "--speed", "20000", "--exit-when-done"]);
    expect(await exitOf(agent)).toBe(0);
    await system.drain();

    const admin = await system.t.staff("admin");
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await system.t.call("GET", `/api/v1/vehicles/${vehicle.id}/track?from=${from}&to=${to}`, undefined, admin);
    expect(res.status).toBe(200);
    const feature = res.json.features[0];
    const stored = await storedFixes(db(), vehicle.id);
    expect(stored).toHaveLength(source.length);
    // Every fix the API leaves out is one the server flagged (DESIGN §4), still stored.
    const flagged = stored.filter((f) => f.flag !== null);
    expect(feature.properties.fixes).toBe(source.length - flagged.length);
    expect(flagged.length).toBeLessThanOrEqual(2);
    // The same fixes as the file: coordinates in order, spacing unchanged.
    expect(stored.map((f) => [f.lat, f.lon])).toEqual(source.map((p) => [p.lat, p.lon]));
    expect(stored.map((f) => f.ts - stored[0]!.ts)).toEqual(source.map((p) => p.ts - source[0]!.ts));

    const trips = await system.t.call("GET", `/api/v1/trips?vehicleId=${vehicle.id}&from=${from}&to=${to}`, undefined, admin);
    expect(trips.status).toBe(200);
    const list = (trips.json.trips ?? trips.json) as { routeId: string | null; endedAt: string | null }[];
    expect(list).toHaveLength(new Set(source.map((p) => p.trip!.key)).size);
    expect(list.every((t) => t.routeId === "801" && t.endedAt !== null)).toBe(true);
  });
});
