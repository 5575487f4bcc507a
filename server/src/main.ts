import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { createAuthRepository } from "./auth/auth.repository.ts";
import { ensureAdmin } from "./auth/bootstrap.ts";
import { systemClock } from "./clock.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import type { AppDeps } from "./context.ts";
import { deriveKeys, resolveDataKey, type Keys } from "./crypto/keys.ts";
import { openDatabase } from "./db/client.ts";
import { preparePartitions } from "./jobs/partitions.job.ts";
import { applyRetention } from "./jobs/retention.job.ts";
import { schedule } from "./jobs/scheduler.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { MessagingStartError, startMessaging, type Messaging } from "./mqtt/messaging.ts";

/** The composition root: reads config, opens the database and broker, builds the app, serves. */
async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let keys: Keys;
  try {
    keys = deriveKeys(resolveDataKey(config, logger));
  } catch (err) {
    // A missing or unreadable data key is a configuration problem: say so, without a stack trace.
    console.error((err as Error).message);
    process.exit(1);
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  logger.info({ driver: database.driver }, "database ready");

  const base = { config, db: database.db, clock: systemClock, logger, keys, metrics: createMetrics() };
  // Partitions first, so the first fixes ingested land in their day's partition, not the default one.
  await preparePartitions(base);
  let messaging: Messaging;
  try {
    messaging = await startMessaging(base, database, { host: config.host });
  } catch (err) {
    console.error(err instanceof MessagingStartError ? err.message : err);
    await database.close();
    process.exit(1);
  }
  console.log(`MQTT: vehicle agents connect to ${config.mqtt.url ? "MQTT_URL" : messaging.brokerUrl}`);
  const deps: AppDeps = {
    ...base,
    vehicleBus: messaging.vehicleBus,
    agentAccounts: messaging.agentAccounts,
    broker: { connected: () => messaging.brokerConnected() },
  };

  const admin = await ensureAdmin(createAuthRepository(deps), config.adminPassword);
  if (admin?.generatedPassword) {
    console.log(`\nFirst start: created staff user "admin" with password: ${admin.generatedPassword}\n(shown once; set ADMIN_PASSWORD to choose it)\n`);
  }

  const stopJobs = [
    schedule(logger, "partitions", 6 * 3_600_000, () => preparePartitions(deps)),
    schedule(logger, "retention", 6 * 3_600_000, async () => void (await applyRetention(deps))),
  ];

  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  server.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EADDRINUSE") console.error(`Port ${config.port} is already in use. Set PORT to a free port.`);
    else console.error(err);
    process.exit(1);
  });
  server.on("listening", () => {
    console.log(`Transit check-in is running: ${config.publicUrl}  (API reference: ${config.publicUrl}/api/v1/docs)`);
  });

  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    stopJobs.forEach((stop) => stop());
    server.close();
    await messaging.close();
    await database.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

void main();
