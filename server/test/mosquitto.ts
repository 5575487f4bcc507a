import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

/**
 * A Mosquitto 2 of a test's (or benchmark's) own, on a free port in a temp
 * dir: with the dynamic-security plugin (no anonymous logins; the admin user
 * is returned) or anonymous. Restartable, for broker-restart tests.
 */
export const MOSQUITTO = process.env.MOSQUITTO_BIN ?? "/usr/sbin/mosquitto";
export const DYNSEC_PLUGIN = process.env.MOSQUITTO_DYNSEC_PLUGIN ?? "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface MosquittoOptions {
  dynsec?: boolean;
  /** Extra mosquitto.conf lines (e.g. "max_queued_messages 0" for benchmarks). */
  extraConfig?: string[];
}

export async function startMosquitto(opts: MosquittoOptions = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "mosquitto-"));
  const port = await freePort();
  const admin = { username: "admin", password: randomBytes(12).toString("hex") };
  // `user`: started as root, mosquitto would switch to its own user and could not read our temp dir.
  const conf = [`listener ${port} 127.0.0.1`, "persistence false", `user ${userInfo().username}`, ...(opts.extraConfig ?? [])];
  if (opts.dynsec) {
    const dynsecFile = path.join(dir, "dynamic-security.json");
    await promisify(execFile)("mosquitto_ctrl", ["dynsec", "init", dynsecFile, admin.username, admin.password]);
    conf.push("allow_anonymous false", `plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${dynsecFile}`);
  } else {
    conf.push("allow_anonymous true");
  }
  const confFile = path.join(dir, "mosquitto.conf");
  writeFileSync(confFile, conf.join("\n") + "\n");

  let proc: ChildProcess | null = null;
  const log: string[] = [];
  async function start() {
    proc = spawn(MOSQUITTO, ["-c", confFile], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout?.on("data", (d: Buffer) => log.push(d.toString()));
    proc.stderr?.on("data", (d: Buffer) => log.push(d.toString()));
    try {
      await waitForPort(port);
    } catch (err) {
      proc.kill("SIGKILL");
      throw new Error(`${(err as Error).message}\n${log.join("")}`);
    }
  }
  async function stop() {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once("exit", resolve));
    p.kill("SIGTERM");
    await exited;
    proc = null;
  }
  await start();

  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    admin,
    confFile,
    log,
    stop,
    /** Stops and starts again on the same port (with dynsec, its clients and roles survive in the JSON file). */
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Mosquitto = Awaited<ReturnType<typeof startMosquitto>>;
