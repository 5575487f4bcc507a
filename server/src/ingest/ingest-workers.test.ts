import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { austinStyleTrack, exitOf, spawnAgent, storedFixes, type AgentProcess } from "../../../vehicle-agent/test/spawn.ts";
import { rowsOf } from "../db/client.ts";
import { renderNatsAuthorization } from "../mqtt/nats-users.ts";
import { startMosquitto } from "../../test/mosquitto.ts";
import { startNatsCluster } from "../../test/nats-cluster.ts";
import { adminLogin, createScratchDatabase, registerVehicle, spawnServer, type ServerProcess } from "../../test/server-process.ts";
import { until } from "../../test/system.ts";

/*
 * Ingest workers split the stream (docs/DESIGN.md §2): one `web` and two
 * `ingest` processes (real `npm start` processes) on one PostgreSQL; real
 * agents (the vehicle-agent bundle) replay a track each. Mid-stream one
 * ingest process is SIGKILLed — and on the NATS cluster one broker node too,
 * whose vehicles must move to another node — and then started again, and the
 * restarted worker takes its share of the rest of the stream. Every fix must
 * be stored exactly once: what the killed worker held unstored was never
 * acked, so the agents' outboxes send it again. PostgreSQL only (the
 * processes share the database).
 */
/**
 * Fixes a second apart, replayed at ten times speed: 24 s of stream on Mosquitto, long enough to kill and
 * restart a worker mid-way; 48 s on NATS, whose surviving nodes may refuse MQTT for several seconds while
 * JetStream elects new leaders, so that a restarted worker can take 10–20 s to come up (remote-broker.ts).
 */
const FIXES = { mosquitto: 240, nats: 480 };
const VEHICLES = 4;
const SERVER = { username: "transit-server", password: "server-secret-1" };

describe.runIf(process.env.DATABASE_URL)("two ingest processes sharing the stream", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dir: string;
  const processes: ServerProcess[] = [];
  const agents: AgentProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    dir = mkdtempSync(path.join(tmpdir(), "ingest-workers-"));
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) a.child.kill("SIGKILL");
    await Promise.all(processes.splice(0).map((p) => p.kill()));
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await scratch?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (p: ServerProcess) => (await p.metrics()).get("positions_written_total") ?? 0;

  /**
   * web + two ingest processes, VEHICLES agents; `agentUrl(i)` is vehicle i's broker list; `beforeRegistrations`
   * waits for the broker; `beforeAgents` gives the broker the vehicles' logins; `midStream` is what fails.
   */
  async function run(opts: {
    fixes: number;
    env: (i: number) => Record<string, string>;
    agentUrl: (i: number) => string;
    beforeRegistrations?: () => Promise<void>;
    beforeAgents?: (vehicles: { id: string; password: string }[]) => Promise<void>;
    midStream: (ingest: ServerProcess[]) => Promise<void>;
    afterFailure: () => Promise<void>;
  }) {
    const [web, ...ingest] = await Promise.all([
      spawnServer("web", { ...opts.env(2), SERVER_ROLE: "web" }),
      spawnServer("ingest-1", { ...opts.env(0), SERVER_ROLE: "ingest" }),
      spawnServer("ingest-2", { ...opts.env(1), SERVER_ROLE: "ingest" }),
    ]);
    processes.push(web!, ...ingest);
    await opts.beforeRegistrations?.();
    const auth = await adminLogin(web!);
    const vehicles = [];
    for (let i = 0; i < VEHICLES; i++) vehicles.push(await registerVehicle(web!, auth));
    await opts.beforeAgents?.(vehicles);

    const tag = Math.random().toString(36).slice(2, 8);
    for (const [i, v] of vehicles.entries()) {
      const track = path.join(dir, `${tag}-${i}.csv`);
      writeFileSync(track, austinStyleTrack(`bus-${i}`, opts.fixes));
      agents.push(
        spawnAgent([
          ...["--url", opts.agentUrl(i), "--vehicle", v.id, `--password=${v.password}`],
          ...["--outbox", path.join(dir, `${tag}-${i}.sqlite`), "--http-port=-1", "--no-terminal-qr"],
          ...["--reconnect-min", "0.1", "--reconnect-max", "1", "--ack-timeout", "2"],
          ...["--replay", track, "--vehicle-filter", `bus-${i}`, "--speed", "10", "--exit-when-done"],
        ]),
      );
    }
    // Both workers have stored some of the stream before anything fails.
    await until(async () => (await stored(ingest[0]!)) > 0 && (await stored(ingest[1]!)) > 0, "both ingest processes storing fixes", 60_000).catch(async (err: Error) => {
      const counts = await Promise.all(ingest.map(stored));
      throw new Error(`${err.message}: stored ${counts.join(" and ")}\n${agents[0]!.output().slice(-1500)}\n${ingest[0]!.output().slice(-3000)}`);
    });
    const before = await Promise.all(ingest.map(stored));
    await opts.midStream(ingest);
    // Back up while the stream still runs: the restarted worker stores part of what is left.
    const restarted = await spawnServer("ingest-1 restarted", { ...opts.env(0), SERVER_ROLE: "ingest" });
    processes.push(restarted);
    await opts.afterFailure();
    await until(async () => (await stored(restarted)) > 0, "the restarted ingest process storing fixes", 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${restarted.output().slice(-3000)}\n${agents.map((a) => a.output().slice(-600)).join("\n")}`);
    });

    for (const a of agents) expect(await exitOf(a, 150_000), a.output()).toBe(0);
    for (const v of vehicles) {
      const fixes = await storedFixes(scratch.database.db, v.id);
      expect(fixes).toHaveLength(opts.fixes);
      expect(fixes.map((f) => f.ts - fixes[0]!.ts)).toEqual(Array.from({ length: opts.fixes }, (_, i) => i * 1000));
    }
    const [{ rows, distinct }] = rowsOf<{ rows: number; distinct: number }>(
      await scratch.database.db.execute(
        `select count(*)::int as rows, count(distinct (vehicle_id, ts))::int as distinct from positions where vehicle_id in (${vehicles.map((v) => `'${v.id}'`).join(",")})`,
      ),
    ) as [{ rows: number; distinct: number }];
    expect([rows, distinct]).toEqual([opts.fixes * VEHICLES, opts.fixes * VEHICLES]);
    return { before };
  }

  it("on Mosquitto ($share), splits the fixes between the two and loses none when one is killed and restarted", async () => {
    const mosquitto = await startMosquitto();
    cleanups.push(() => mosquitto.close());
    const env = () => ({ DATABASE_URL: scratch.url, MQTT_URL: mosquitto.url });
    const { before } = await run({
      fixes: FIXES.mosquitto,
      env,
      agentUrl: () => mosquitto.url,
      midStream: async (ingest) => {
        await ingest[0]!.kill();
      },
      afterFailure: async () => {},
    });
    expect(before.every((n) => n > 0)).toBe(true);
  }, 300_000);

  it("on a three-node NATS cluster (queue group), loses nothing when a node and an ingest process are killed and restarted", async () => {
    // The server's own login to begin with, as the web process writes it (so its start leaves the file, and the
    // nodes, alone); the vehicles' are the web process's to add (mqtt/nats-accounts.ts).
    const server = { username: SERVER.username, password: await bcrypt.hash(SERVER.password, 10) };
    const nats = await startNatsCluster({ users: renderNatsAuthorization({ topicPrefix: "", server, vehicles: [] }) });
    cleanups.push(() => nats.close());
    // Each process and vehicle starts on its own node, and knows the others.
    const rotated = (list: string[], i: number) => [...list.slice(i % 3), ...list.slice(0, i % 3)].join(",");
    const env = (i: number) => ({
      DATABASE_URL: scratch.url,
      MQTT_URL: rotated(nats.mqttUrls, i),
      NATS_URL: rotated(nats.natsUrls, i),
      MQTT_USERNAME: SERVER.username,
      MQTT_PASSWORD: SERVER.password,
      // The web process registers the vehicles and keeps their logins in the file the nodes include.
      ...(i === 2 ? { NATS_USERS_FILE: nats.usersFile, NATS_RELOAD_PID_FILES: nats.pidFiles.join(",") } : {}),
    });
    const connectedTo = (port: number) => `connected to mqtt://127.0.0.1:${port} `;
    // The node to kill is the one vehicle 0 is on (an agent may start on any node of its list): it holds at least one.
    let killed = 0;
    // The vehicles on that node when it dies. Not "ever connected to it": a vehicle that first gets through once the
    // node is back (its earlier tries refused while the cluster settled) was never held by it, and has nothing to fail over.
    let held: AgentProcess[] = [];
    /** The node the agent last connected to, -1 before its first connection. */
    const nodeOf = (a: AgentProcess) => {
      const out = a.output();
      const at = nats.nodes.map((n) => out.lastIndexOf(connectedTo(n.mqttPort)));
      const last = Math.max(...at);
      return last < 0 ? -1 : at.indexOf(last);
    };
    const movedOff = (out: string) => {
      const after = out.slice(out.lastIndexOf("disconnected from the broker") + 1);
      return out.includes("disconnected from the broker") && nats.nodes.some((n, i) => i !== killed && after.includes(connectedTo(n.mqttPort)));
    };
    const { before } = await run({
      fixes: FIXES.nats,
      env,
      agentUrl: (i) => rotated(nats.mqttUrls, i),
      // Each registration reloads the nodes' logins (SIGHUP): not while they still set up MQTT's JetStream streams
      // and consumers for the processes' first connections, which a reload on nats-server 2.9 can break (nats-accounts.ts).
      beforeRegistrations: () => nats.settled(),
      // Every node has loaded the logins the web process wrote at the registrations before the agents dial in.
      beforeAgents: async (vehicles) => {
        const file = () => readFileSync(nats.usersFile, "utf8");
        await until(() => vehicles.every((v) => file().includes(v.id)), "the vehicles' logins in the users file");
        await nats.setUsers(file());
      },
      midStream: async (ingest) => {
        await until(() => nodeOf(agents[0]!) >= 0, "vehicle 0 connected");
        // One failure, not two: a node lost while a peer is still catching up leaves a Raft group without quorum.
        await nats.settled();
        killed = nodeOf(agents[0]!);
        held = agents.filter((a) => nodeOf(a) === killed);
        await nats.kill(killed);
        await ingest[0]!.kill();
      },
      // The node comes back only once the vehicles it held are on the others: failover is what is tested, then the return.
      afterFailure: async () => {
        await until(() => held.every((a) => movedOff(a.output())), "the killed node's vehicles on another node", 60_000).catch((err: Error) => {
          throw new Error(`${err.message}; killed node ${killed} of ${nats.nodes.map((n) => n.mqttPort).join(", ")}\n${agents.map((a) => a.output().slice(-800)).join("\n")}`);
        });
        await nats.restart(killed);
      },
    });
    expect(before.every((n) => n > 0)).toBe(true);
    // The vehicles the killed node held carried on on another node.
    expect(held.length).toBeGreaterThan(0);
    for (const a of held) expect(a.output()).toMatch(/disconnected from the broker/);
  }, 300_000);
});
