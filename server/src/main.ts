import { ConfigError, loadConfig, type Config } from "./config.ts";
import { runDemo } from "./demo/demo.cli.ts";
import { createLogger } from "./logger.ts";
import { MessagingStartError } from "./mqtt/messaging.ts";
import { startServer, type RunningServer } from "./server.ts";

/** The composition root: reads config, starts the server (server.ts), and the demo city when asked. */
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
  // `npm run demo` passes --demo; DEMO=1 npm start does the same.
  const args = process.argv.slice(2);
  if (config.demo || args[0] === "--demo") return runDemo(config, args[0] === "--demo" ? args.slice(1) : args);
  const logger = createLogger(config.logLevel);
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "EADDRINUSE") console.error(`Port ${config.port} is already in use. Set PORT to a free port.`);
    // A missing data key or a busy broker port is a configuration problem: say so, without a stack trace.
    else console.error(err instanceof MessagingStartError || err instanceof Error ? e.message : err);
    process.exit(1);
  }
  if (config.role !== "all") console.log(`Role: ${config.role} (SERVER_ROLE)${running.lease.isLeader() ? ", leading" : ""}`);
  console.log(`MQTT: vehicle agents connect to ${config.mqtt.url ? "MQTT_URL" : running.messaging.brokerUrl}`);
  if (running.generatedAdminPassword) {
    console.log(`\nFirst start: created staff user "admin" with password: ${running.generatedAdminPassword}\n(shown once; set ADMIN_PASSWORD to choose it)\n`);
  }
  if (config.role === "ingest") console.log(`Transit check-in ingest is running: /health and /metrics on port ${running.port}`);
  else console.log(`Transit check-in is running: ${config.publicUrl}  (API reference: ${config.publicUrl}/api/v1/docs)`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await running.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

void main();
