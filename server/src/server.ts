import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { createApp, createOpsApp } from "./app.ts";
import { createAuthRepository } from "./auth/auth.repository.ts";
import { ensureAdmin } from "./auth/bootstrap.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { AppDeps } from "./context.ts";
import { deriveKeys, resolveDataKey } from "./crypto/keys.ts";
import { openDatabase } from "./db/client.ts";
import { openReadReplica } from "./db/read-replica.ts";
import { preparePartitions } from "./jobs/partitions.job.ts";
import { applyRetention } from "./jobs/retention.job.ts";
import { endQuarantines, QUARANTINE_JOB_EVERY_MS } from "./jobs/quarantine.job.ts";
import { schedule } from "./jobs/scheduler.ts";
import { createLeaderLease, whileLeader } from "./jobs/leader-lease.ts";
import { createMetrics } from "./metrics.ts";
import { startMessaging } from "./mqtt/messaging.ts";
import { createSms } from "./sms/sms.ts";

/**
 * The whole server, as main.ts runs it and the demo reuses it: database,
 * broker, app, jobs, HTTP — or the part of it that SERVER_ROLE names
 * (docs/DESIGN.md §2): `web` serves HTTP and publishes to vehicles but takes
 * none of their messages; `ingest` takes their messages and serves only
 * /health and /metrics. Whatever the role, the jobs that must run once (live
 * codes, partitions, retention) run in the process holding the leader lease.
 * Errors at start (a busy port, a bad data key) propagate; the caller decides
 * how to say so.
 */
export async function startServer(config: Config, logger: Logger) {
  const keys = deriveKeys(resolveDataKey(config, logger));
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  logger.info({ driver: database.driver, role: config.role }, "database ready");

  const metrics = createMetrics();
  const readReplica = config.databaseRead
    ? openReadReplica({ url: config.databaseRead.url, maxLagMs: config.databaseRead.maxLagMs, primary: database.db, logger, metrics })
    : null;
  const base = { config, db: database.db, clock: systemClock, logger, keys, metrics };
  const lease = createLeaderLease({ db: database.db, logger, ttlMs: config.leaderLeaseMs });
  lease.onChange((leader) => base.metrics.leader.set(leader ? 1 : 0));
  await lease.start();
  // Partitions first, so the first fixes ingested land in their day's partition, not the default one.
  // A process that does not lead finds them made by the one that does.
  if (lease.isLeader()) await preparePartitions(base);
  const messaging = await startMessaging(base, database, { host: config.host, ingest: config.role !== "web", leadership: lease }).catch(
    async (err: unknown) => {
      await lease.stop();
      await readReplica?.close();
      await database.close();
      throw err;
    },
  );
  if (config.sms.gateway === "sink") {
    logger.warn("SMS_GATEWAY=sink: texts are not sent; one-time codes are shown to anyone at /dev/sms. Set SMS_GATEWAY=smpp or http for real passengers.");
  }
  const deps: AppDeps = {
    ...base,
    sms: createSms(config.sms, logger),
    readDb: readReplica?.db,
    vehicleBus: messaging.vehicleBus,
    agentAccounts: messaging.agentAccounts,
    broker: { connected: () => messaging.brokerConnected() },
    driverScreens: messaging.liveCodes,
  };
  const admin = config.role === "ingest" ? null : await ensureAdmin(createAuthRepository(deps), config.adminPassword);

  const stopJobs = whileLeader(lease, () => {
    const stops = [
      schedule(logger, "partitions", 6 * 3_600_000, () => preparePartitions(deps)),
      schedule(logger, "retention", 6 * 3_600_000, async () => void (await applyRetention(deps))),
      schedule(logger, "quarantine", QUARANTINE_JOB_EVERY_MS, async () => void (await endQuarantines(deps))),
    ];
    return () => stops.forEach((stop) => stop());
  });

  const app = config.role === "ingest" ? createOpsApp(deps) : createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    deps,
    app,
    messaging,
    /** The read standby's router, when DATABASE_READ_URL is set. */
    readReplica,
    lease,
    /** The HTTP port actually bound (PORT=0 picks a free one). */
    port,
    generatedAdminPassword: admin?.generatedPassword,
    async close() {
      stopJobs();
      (server as import("node:http").Server).closeAllConnections();
      await new Promise((r) => server.close(r));
      await messaging.close();
      // After ingest has drained, so the next leader starts where this one stopped.
      await lease.stop();
      await deps.sms.close();
      await readReplica?.close();
      await database.close();
    },
  };
}

export type RunningServer = Awaited<ReturnType<typeof startServer>>;
