/**
 * The processes the benches start and watch: a fresh PostgreSQL database, the
 * server as `npm start` runs it (its own process), and /proc readings of a
 * process's memory and CPU time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freePort } from "../server/test/mosquitto.ts";

export const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const root = path.resolve(import.meta.dirname, "..");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (ms) a process has used, from /proc (utime + stime, 100 Hz ticks); NaN once it is gone. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

/** CPU time (ms) of the PostgreSQL backends serving database `name`, by pid. */
export async function backendsCpu(sql: postgres.Sql, name: string): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
}

/** Resident memory of a process in MB, from /proc; 0 once it is gone. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A new database on the PostgreSQL server, named `${prefix}_…`, dropped by drop(). */
export async function freshDatabase(prefix = "bench_fleet") {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      // BENCH_KEEP_DB=1 leaves it for EXPLAIN after the run (drop it by hand).
      if (process.env.BENCH_KEEP_DB) return;
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export function mosquittoPid(confFile: string): number | undefined {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(confFile)) return Number(pid);
    } catch {
      // gone while we looked
    }
  }
  return undefined;
}

/** `nodeArgs`: flags for node itself, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] (not allowed in NODE_OPTIONS). */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = []) {
  const [port, mqttPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-server-"));
  const base = `http://127.0.0.1:${port}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: base,
    MQTT_PORT: String(mqttPort),
    DATA_DIR: dataDir,
    DATA_KEY: randomBytes(32).toString("base64"),
    ADMIN_PASSWORD: "bench-admin-password",
    LOG_LEVEL: "warn",
    ...env,
  };
  if (!env.MQTT_URL) delete childEnv.MQTT_URL;
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "server/src/main.ts"], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${output}`);
    if (Date.now() > deadline) throw new Error(`server did not start: ${output}`);
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    await sleep(200);
  }
  return {
    base,
    pid: child.pid!,
    mqttPort,
    output: () => output,
    async metric(name: string): Promise<number> {
      const text = await fetch(`${base}/metrics`).then((r) => r.text(), () => "");
      return text
        .split("\n")
        .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
        .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    },
    /** The metric's lines as /metrics prints them (labels and value), for a report. */
    async metricLines(name: string): Promise<string[]> {
      const text = await fetch(`${base}/metrics`).then((r) => r.text(), () => "");
      return text.split("\n").filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

