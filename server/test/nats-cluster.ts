import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A three-node NATS cluster of a test's (or benchmark's) own (nats-server 2.9, Debian's), on
 * free ports in a temp dir: each node with a client port, a cluster port, an
 * MQTT port, a monitoring port (/healthz, for settled()) and JetStream (MQTT
 * keeps its sessions and retained messages there, replicated across the nodes). Logins come from one included file,
 * rewritten and reloaded with setUsers(). A node can be killed and started
 * again, as an operator's failure would take it.
 */
export const NATS_SERVER = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

interface Node {
  name: string;
  clientPort: number;
  clusterPort: number;
  mqttPort: number;
  monitorPort: number;
  confFile: string;
  pidFile: string;
  proc: ChildProcess | null;
  log: string[];
}

async function listening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/**
 * A free port below Linux's ephemeral range (ip_local_port_range, 32768–60999), not one the kernel hands out
 * (mosquitto.ts's freePort): a node is killed and started again on the same ports, and while it is down a port
 * from that range can become any outgoing connection's source port — even that of a client retrying the dead
 * node, which then connects to itself — and the restart fails with EADDRINUSE.
 */
async function nodePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

export interface NatsClusterOptions {
  /** The included logins file's text (an `authorization {…}` block; empty: anonymous). */
  users: string;
  /** Nodes (default 3); the benchmark also runs one alone. */
  nodes?: number;
  /** JetStream limits (default 64 MB of memory, 256 MB of file store: enough for a test's sessions). */
  jetstreamLimits?: string;
  /** Extra settings inside `mqtt {…}`, e.g. "max_ack_pending: 100". */
  mqtt?: string;
}

export async function startNatsCluster(opts: NatsClusterOptions) {
  const dir = mkdtempSync(path.join(tmpdir(), "nats-"));
  const usersFile = path.join(dir, "users.conf");
  writeFileSync(usersFile, opts.users);
  const nodes: Node[] = [];
  for (const name of Array.from({ length: opts.nodes ?? 3 }, (_, i) => `n${i + 1}`)) {
    nodes.push({ name, clientPort: await nodePort(), clusterPort: await nodePort(), mqttPort: await nodePort(), monitorPort: await nodePort(), confFile: path.join(dir, `${name}.conf`), pidFile: path.join(dir, `${name}.pid`), proc: null, log: [] });
  }
  for (const n of nodes) {
    const routes = nodes.filter((o) => o !== n).map((o) => `nats-route://127.0.0.1:${o.clusterPort}`);
    writeFileSync(
      n.confFile,
      [
        `server_name: ${n.name}`,
        `pid_file: ${JSON.stringify(n.pidFile)}`,
        `listen: 127.0.0.1:${n.clientPort}`,
        `http: 127.0.0.1:${n.monitorPort}`,
        `jetstream { store_dir: ${JSON.stringify(path.join(dir, n.name))}, ${opts.jetstreamLimits ?? "max_memory_store: 64MB, max_file_store: 256MB"} }`,
        `cluster { name: transit, listen: 127.0.0.1:${n.clusterPort}, routes: [${routes.join(", ")}] }`,
        `mqtt { listen: 127.0.0.1:${n.mqttPort}, ack_wait: "5s", stream_replicas: ${Math.min(3, nodes.length)}${opts.mqtt ? `, ${opts.mqtt}` : ""} }`,
        `include ./users.conf`,
      ].join("\n") + "\n",
    );
  }

  async function start(n: Node) {
    const proc = spawn(NATS_SERVER, ["-c", n.confFile], { stdio: ["ignore", "pipe", "pipe"] });
    n.proc = proc;
    proc.stdout?.on("data", (d: Buffer) => n.log.push(d.toString()));
    proc.stderr?.on("data", (d: Buffer) => n.log.push(d.toString()));
  }
  async function stop(n: Node, signal: NodeJS.Signals) {
    const p = n.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once("exit", resolve));
    p.kill(signal);
    await exited;
    n.proc = null;
  }
  /** MQTT on a node answers once JetStream has a leader and the node has set MQTT's streams up. */
  async function mqttReady(n: Node, ms = 60_000) {
    const end = Date.now() + ms;
    for (;;) {
      if ((await listening(n.mqttPort)) && n.log.join("").includes("Listening for MQTT clients")) return;
      if (n.proc?.exitCode !== null && n.proc?.exitCode !== undefined) throw new Error(`nats ${n.name} exited:\n${n.log.join("")}`);
      if (Date.now() > end) throw new Error(`nats ${n.name} did not get ready:\n${n.log.join("").slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** A node's /healthz: ok once it knows the JetStream leader and every stream and consumer it holds a copy of is current. */
  async function healthy(n: Node): Promise<boolean> {
    return fetch(`http://127.0.0.1:${n.monitorPort}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
  }
  // A reload logs once it has applied the file.
  const reloadsOf = (n: Node) => n.log.join("").split("Reloaded server configuration").length - 1;
  for (const n of nodes) await start(n);
  await Promise.all(nodes.map((n) => mqttReady(n)));

  return {
    nodes,
    dir,
    mqttUrls: nodes.map((n) => `mqtt://127.0.0.1:${n.mqttPort}`),
    natsUrls: nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`),
    log: (i: number) => nodes[i]!.log.join(""),
    /** The included logins file, and each node's pid file: what a server keeping the logins is given (NATS_USERS_FILE). */
    usersFile,
    pidFiles: nodes.map((n) => n.pidFile),
    /** How many times each node has applied its configuration again, for reloaded(). */
    reloads: () => nodes.map(reloadsOf),
    /** Waits until every running node has reloaded since `since` (a reloads() taken before the change). */
    async reloaded(since: number[]) {
      const end = Date.now() + 15_000;
      while (nodes.some((n, i) => n.proc && reloadsOf(n) <= since[i]!)) {
        if (Date.now() > end) throw new Error(`nats did not reload its users:\n${nodes.map((n) => n.log.join("").slice(-1500)).join("\n")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** Rewrites the included logins and has every running node reload them (SIGHUP). */
    async setUsers(users: string) {
      const before = this.reloads();
      writeFileSync(usersFile, users);
      for (const n of nodes) n.proc?.kill("SIGHUP");
      await this.reloaded(before);
    },
    /**
     * Waits until every running node is healthy: each stream and consumer (MQTT's sessions, messages and the
     * subscriptions' consumers, replicated by Raft) has its copies current. Only then does losing one node leave
     * every Raft group a current majority; a node killed while a peer still catches up (on a busy machine, seconds
     * after the sessions were made) takes a group's quorum with it, and the surviving nodes then time out every
     * session and QoS 1 write until it is back and caught up.
     */
    async settled(ms = 120_000) {
      const end = Date.now() + ms;
      // Polled gently: each failed check is also a warning in the node's log.
      while (!(await Promise.all(nodes.filter((n) => n.proc).map(healthy))).every(Boolean)) {
        if (Date.now() > end) throw new Error(`nats did not settle:\n${nodes.map((n) => n.log.join("").slice(-1500)).join("\n")}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    /** SIGKILL: the node's clients lose their connections at once. */
    kill: (i: number) => stop(nodes[i]!, "SIGKILL"),
    async restart(i: number) {
      await start(nodes[i]!);
      await mqttReady(nodes[i]!);
    },
    async close() {
      await Promise.all(nodes.map((n) => stop(n, "SIGTERM")));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type NatsCluster = Awaited<ReturnType<typeof startNatsCluster>>;
