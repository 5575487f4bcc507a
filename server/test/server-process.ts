import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "../src/db/client.ts";
import { freePort } from "./mosquitto.ts";
import { until } from "./system.ts";

/**
 * Real server processes, as `npm start` runs them (server/src/main.ts under
 * tsx), for the tests of several processes sharing one database and broker:
 * roles, the leader lease, ingest workers splitting the stream. One node
 * process each, so SIGKILL kills the server itself, as a crash would.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const ADMIN_PASSWORD = "correct horse battery staple";

/** A fresh PostgreSQL database on DATABASE_URL's server, with its URL for the processes; dropped at close. */
export async function createScratchDatabase(): Promise<{ url: string; database: Database; close(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error("server processes share a database: set DATABASE_URL");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString(), dataDir: null, poolSize: 2 });
  return {
    url: u.toString(),
    database,
    async close() {
      await database.close();
      const again = postgres(base, { max: 1, onnotice: () => {} });
      await again.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  /** http://127.0.0.1:port */
  url: string;
  output(): string;
  exited: Promise<number | null>;
  /** GET /metrics, parsed to a value per series (`name{labels}`). */
  metrics(): Promise<Map<string, number>>;
  /** SIGKILL: a crash, no goodbye (the lease stays until it expires, in-flight messages are lost). */
  kill(): Promise<void>;
  /** SIGTERM, as an orchestrator stops it. */
  stop(): Promise<void>;
}

export async function spawnServer(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ADMIN_PASSWORD,
      DATA_KEY: Buffer.alloc(32, 7).toString("base64"),
      LOG_LEVEL: "info",
      ...env,
    },
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const end = async (signal: NodeJS.Signals) => {
    if (gone) return;
    child.kill(signal);
    await exited;
  };
  const proc: ServerProcess = {
    name,
    child,
    url,
    output: () => out,
    exited,
    async metrics() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const series = new Map<string, number>();
      for (const line of text.split("\n")) {
        const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
        if (m) series.set(m[1]!, Number(m[2]));
      }
      return series;
    },
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
  try {
    await until(
      async () => {
        if (gone) throw new Error(`${name} exited at start:\n${out}`);
        return fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        );
      },
      `${name} to answer /health`,
      90_000,
    );
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return proc;
}

/** Signs in as the admin the processes created (ADMIN_PASSWORD) and returns the Authorization header. */
export async function adminLogin(web: ServerProcess): Promise<Record<string, string>> {
  const res = await fetch(`${web.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: web.url },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return { authorization: `Bearer ${token}` };
}

/** Registers a vehicle through a web process's API, as an operator would. */
export async function registerVehicle(web: ServerProcess, auth: Record<string, string>) {
  const res = await fetch(`${web.url}/api/v1/vehicles`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: web.url, ...auth },
    body: JSON.stringify({ plate: `T${randomBytes(3).toString("hex")}`, kind: "bus" }),
  });
  if (res.status !== 201) throw new Error(`registering a vehicle failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: string; agent: { username: string; password: string } };
  return { id: body.id, password: body.agent.password };
}
