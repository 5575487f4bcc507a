import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
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
import { schedule } from "./jobs/scheduler.ts";
import { createMetrics } from "./metrics.ts";
import { startMessaging } from "./mqtt/messaging.ts";

/**
 * The whole server, as main.ts runs it and the demo reuses it: database,
 * broker, app, jobs, HTTP. Errors at start (a busy port, a bad data key)
 * propagate; the caller decides how to say so.
 */
export async function startServer(config: Config, logger: Logger) {
  const keys = deriveKeys(resolveDataKey(config, logger));
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  logger.info({ driver: database.driver }, "database ready");

  const metrics = createMetrics();
  const readReplica = config.databaseRead
    ? openReadReplica({ url: config.databaseRead.url, maxLagMs: config.databaseRead.maxLagMs, primary: database.db, logger, metrics })
    : null;
  const base = { config, db: database.db, clock: systemClock, logger, keys, metrics };
  // Partitions first, so the first fixes ingested land in their day's partition, not the default one.
  await preparePartitions(base);
  const messaging = await startMessaging(base, database, { host: config.host }).catch(async (err: unknown) => {
    await readReplica?.close();
    await database.close();
    throw err;
  });
  const deps: AppDeps = {
    ...base,
    readDb: readReplica?.db,
    vehicleBus: messaging.vehicleBus,
    agentAccounts: messaging.agentAccounts,
    broker: { connected: () => messaging.brokerConnected() },
  };
  const admin = await ensureAdmin(createAuthRepository(deps), config.adminPassword);

  const stopJobs = [
    schedule(logger, "partitions", 6 * 3_600_000, () => preparePartitions(deps)),
    schedule(logger, "retention", 6 * 3_600_000, async () => void (await applyRetention(deps))),
  ];

  const app = createApp(deps);
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
    /** The HTTP port actually bound (PORT=0 picks a free one). */
    port,
    generatedAdminPassword: admin?.generatedPassword,
    async close() {
      stopJobs.forEach((stop) => stop());
      (server as import("node:http").Server).closeAllConnections();
      await new Promise((r) => server.close(r));
      await messaging.close();
      await readReplica?.close();
      await database.close();
    },
  };
}

export type RunningServer = Awaited<ReturnType<typeof startServer>>;
