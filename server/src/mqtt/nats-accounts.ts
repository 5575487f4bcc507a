import { readFile, rename, writeFile } from "node:fs/promises";
import bcrypt from "bcryptjs";
import { and, count, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { vehicles } from "../db/schema/index.ts";
import { createBatcher } from "../batcher.ts";
import type { AgentAccounts } from "./agent-accounts.ts";
import { renderNatsAuthorization } from "./nats-users.ts";

/**
 * A vehicle's agent password hardly needs a slow hash: it is 144 random bits
 * (generateSecret), beyond guessing at any cost. Every connect pays the cost
 * in the broker, and a fleet reconnecting after a node's restart at bcrypt's
 * usual 10 would take minutes of its CPU. The server's own password may be
 * one a person chose, so it gets the usual cost.
 */
const VEHICLE_COST = 4;
const SERVER_COST = 10;

/**
 * Vehicle logins on a NATS cluster (docs/DESIGN.md §2), kept by the server as
 * dynamic security keeps them on Mosquitto: at registration and at a reset
 * the vehicle's bcrypt hash is stored beside its scrypt one, and the
 * `authorization {…}` file every node includes (NATS_USERS_FILE) is written
 * again from the database — the server's own login, then each vehicle in
 * service with its topic rights — and the nodes on this machine are sent
 * SIGHUP (NATS_RELOAD_PID_FILES). Nodes elsewhere reload when the file
 * changes (a watcher, as the NATS Helm chart's config reloader).
 *
 * Several processes may write it: each write reads the vehicles and replaces
 * the file under one advisory lock, so the last file written holds every
 * vehicle committed before it. Registrations that come together are one
 * write (a batch: batcher.ts).
 */
export function createNatsAccounts(deps: { config: Config; db: Db; logger: Logger }) {
  const { config, db, logger } = deps;
  const file = config.mqtt.natsUsersFile!;
  let serverHash: Promise<string> | null = null;

  /**
   * The hash the file already has for the server, while it still matches the password; a new one only when it
   * does not. A fresh salt at every start would change the file, and so reload every node, whenever a process
   * starts. That reload is not free: nats-server 2.9 rebuilds its accounts on it, and route subscriptions that
   * arrive meanwhile can be dropped ("Unknown account"), so a node setting up MQTT's JetStream streams and
   * consumers at that moment (its first MQTT clients) can be left with its requests to the other nodes' stream
   * leaders unanswered until its routes reconnect (ingest-workers.test.ts: after a failover the two surviving
   * nodes timed out every session and QoS 1 write between them, and the vehicles could not send).
   */
  async function serverPasswordHash(): Promise<string> {
    const text = (await readFile(file, "utf8").catch(() => null)) ?? "";
    const user = JSON.stringify(config.mqtt.username!).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const kept = new RegExp(`^\\s*\\{ user: ${user}, password: "(\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53})" \\}`, "m").exec(text)?.[1];
    if (kept && (await bcrypt.compare(config.mqtt.password!, kept).catch(() => false))) return kept;
    return bcrypt.hash(config.mqtt.password!, SERVER_COST);
  }

  async function write(): Promise<void> {
    serverHash ??= serverPasswordHash();
    const server = { username: config.mqtt.username!, password: await serverHash };
    const written = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('transit:nats-users-file'))`);
      const rows = await tx
        .select({ id: vehicles.id, password: vehicles.brokerPasswordHash })
        .from(vehicles)
        .where(and(isNull(vehicles.retiredAt), isNotNull(vehicles.brokerPasswordHash)))
        .orderBy(vehicles.id);
      const text = renderNatsAuthorization({ topicPrefix: config.mqtt.topicPrefix, server, vehicles: rows as { id: string; password: string }[] });
      if ((await readFile(file, "utf8").catch(() => null)) === text) return false;
      // A node reading the file must never see half of it: written aside, then renamed over it.
      const aside = `${file}.${process.pid}.tmp`;
      // Readable by the nodes' user through a group the two share, by nobody else (bcrypt hashes, but still logins).
      await writeFile(aside, text, { mode: 0o640 });
      await rename(aside, file);
      return rows.length;
    });
    if (written === false) return;
    await reloadNodes();
    logger.info({ file, vehicles: written }, "NATS users file written");
  }

  async function reloadNodes() {
    for (const pidFile of config.mqtt.natsReloadPidFiles) {
      try {
        const pid = Number((await readFile(pidFile, "utf8")).trim());
        if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid in ${pidFile}`);
        // A pid file left by a node that died may name another process by now, which SIGHUP would stop.
        const command = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => null);
        if (command !== null && !command.startsWith("nats-server")) throw new Error(`pid ${pid} in ${pidFile} is ${command.trim()}, not nats-server`);
        process.kill(pid, "SIGHUP");
      } catch (err) {
        logger.warn({ err, pidFile }, "could not tell a NATS node to reload its users; it keeps the old logins until it is reloaded");
      }
    }
  }

  const writes = createBatcher(async (asks: null[]) => {
    await write();
    return asks.map(() => undefined);
  });

  const accounts: AgentAccounts = {
    async provision(vehicleId, password) {
      await db
        .update(vehicles)
        .set({ brokerPasswordHash: await bcrypt.hash(password, VEHICLE_COST) })
        .where(eq(vehicles.id, vehicleId));
      await writes.add(null);
    },
  };

  return {
    accounts,
    /**
     * At start, before the server connects: the file is made current (with
     * the server's own login in it), and vehicles that have no NATS login —
     * registered before NATS_USERS_FILE was set — are named by count.
     */
    async start() {
      await writes.add(null);
      const [row] = await db
        .select({ n: count() })
        .from(vehicles)
        .where(and(isNull(vehicles.retiredAt), isNull(vehicles.brokerPasswordHash)));
      if (row && row.n > 0) {
        logger.warn(
          { vehicles: row.n },
          "vehicles in service with no NATS login (registered before NATS_USERS_FILE was set): reset their agent passwords (POST /api/v1/vehicles/{id}/agent/reset) to log them in",
        );
      }
    },
  };
}
