import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto, type Mosquitto } from "../../server/test/mosquitto.ts";
import { startTestSystem, type TestSystem } from "../../server/test/system.ts";
import { until } from "./broker.ts";
import { austinStyleTrack, exitOf, spawnAgent, storedFixes, storedTrips } from "./spawn.ts";

/**
 * A broker restart mid-run: sessions and queued acks are gone (this Mosquitto
 * keeps no persistence), connections drop on both sides. The agent's outbox,
 * not the broker, is what must carry every fix through. The broker is a
 * Mosquitto of this test's own on a free port, in both CI runs, since the
 * embedded aedes cannot be restarted under a running server.
 */
describe("agent through a broker restart", () => {
  let mosquitto: Mosquitto;
  let system: TestSystem;
  let dir: string;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    system = await startTestSystem({ mqttUrl: mosquitto.url });
    dir = mkdtempSync(path.join(tmpdir(), "agent-restart-"));
  });
  afterAll(async () => {
    await system?.close();
    await mosquitto?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses nothing when the broker restarts in the middle of a run", async () => {
    const vehicle = await system.registerVehicle();
    const n = 60;
    const track = path.join(dir, "restart.csv");
    writeFileSync(track, austinStyleTrack("bus-2", n));
    const agent = spawnAgent([
      ...["--url", mosquitto.url, "--vehicle", vehicle.id, `--password=${vehicle.password}`, "--topic-prefix", system.topicPrefix],
      ...["--outbox", path.join(dir, "agent.sqlite"), "--http-port=-1", "--no-terminal-qr", "--quiet"],
      ...["--reconnect-min", "0.1", "--reconnect-max", "1", "--ack-timeout", "2"],
      ...["--replay", track, "--vehicle-filter", "bus-2", "--speed", "10", "--exit-when-done"],
    ]);
    await until(async () => (await storedFixes(system.t.database.db, vehicle.id)).length >= 10, "some fixes stored before the restart");
    await mosquitto.restart();
    expect(await exitOf(agent)).toBe(0);
    await system.drain();

    const fixes = await storedFixes(system.t.database.db, vehicle.id);
    expect(fixes).toHaveLength(n);
    expect(fixes.map((f) => f.ts - fixes[0]!.ts)).toEqual(Array.from({ length: n }, (_, i) => i * 1000));
    expect(agent.output()).toMatch(/disconnected from the broker/);
    const trips = await storedTrips(system.t.database.db, vehicle.id);
    expect(trips).toHaveLength(2);
    expect(trips.every((t) => t.startedAt !== null && t.endedAt !== null)).toBe(true);
  });
});
