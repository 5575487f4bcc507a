import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { freePort } from "./mosquitto.ts";

/**
 * A PostgreSQL primary and a streaming standby of a test's own: `initdb` a
 * fresh cluster on a free port in a temp dir (wal_level=replica), then
 * `pg_basebackup -R` a standby from it on another free port. Nothing touches
 * the machine's own PostgreSQL.
 *
 * initdb and postgres refuse to run as root: as root, every binary runs as the
 * `postgres` system user through `runuser -u postgres --` (util-linux), and
 * the temp dir is handed to that user.
 */
export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** Why a standby cannot be built here, or null when it can. */
export function standbyUnavailable(): string | null {
  for (const bin of ["initdb", "pg_ctl", "pg_basebackup", "postgres"]) {
    if (!existsSync(path.join(PG_BIN, bin))) return `PostgreSQL binaries not found: ${path.join(PG_BIN, bin)} is missing (set PG_BIN to their folder)`;
  }
  if (userInfo().uid === 0 && !existsSync("/usr/sbin/runuser") && !existsSync("/sbin/runuser")) return "running as root without runuser to drop to the postgres user";
  return null;
}

const run = promisify(execFile);
const asRoot = userInfo().uid === 0;

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
async function pg(bin: string, args: string[]) {
  const file = path.join(PG_BIN, bin);
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  try {
    return await run(cmd, argv, { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${bin} ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

export interface PrimaryAndStandby {
  primaryUrl: string;
  standbyUrl: string;
  /** A superuser connection to each (for the test's own checks). */
  primary: postgres.Sql;
  standby: postgres.Sql;
  close(): Promise<void>;
}

export async function startPrimaryAndStandby(): Promise<PrimaryAndStandby> {
  const dir = mkdtempSync(path.join(tmpdir(), "pg-standby-"));
  if (asRoot) chownSync(dir, uidOf("postgres"), gidOf("postgres"));
  const primaryDir = path.join(dir, "primary");
  const standbyDir = path.join(dir, "standby");
  const socketDir = path.join(dir, "sockets");
  mkdirSync(socketDir);
  if (asRoot) chownSync(socketDir, uidOf("postgres"), gidOf("postgres"));
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  // fsync off: a throwaway cluster; what is measured is where reads go, not durability.
  const options = (port: number) => `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica -c max_wal_senders=4`;
  const started: string[] = [];
  const stopAll = async () => {
    for (const d of started.reverse()) await pg("pg_ctl", ["-D", d, "-m", "immediate", "-w", "stop"]).catch(() => {});
  };
  try {
    await pg("initdb", ["-D", primaryDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
    await pg("pg_ctl", ["-D", primaryDir, "-o", options(primaryPort), "-l", path.join(dir, "primary.log"), "-w", "start"]);
    started.push(primaryDir);
    // initdb's trust rules include replication from 127.0.0.1: no password for the base backup.
    await pg("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "postgres", "-D", standbyDir, "-R", "-X", "stream", "--no-sync"]);
    await pg("pg_ctl", ["-D", standbyDir, "-o", options(standbyPort), "-l", path.join(dir, "standby.log"), "-w", "start"]);
    started.push(standbyDir);
  } catch (err) {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
  const primary = postgres(primaryUrl, { max: 1, onnotice: () => {} });
  const standby = postgres(standbyUrl, { max: 1, onnotice: () => {} });
  return {
    primaryUrl,
    standbyUrl,
    primary,
    standby,
    async close() {
      await Promise.all([primary.end({ timeout: 1 }), standby.end({ timeout: 1 })]);
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uidOf(user: string): number {
  return Number(idOf(user, 2));
}
function gidOf(user: string): number {
  return Number(idOf(user, 3));
}
function idOf(user: string, field: number): string {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no ${user} user on this machine`);
  return line.split(":")[field]!;
}
