import { createInterface } from "node:readline";
import { createAgent } from "./agent.ts";
import { ConfigError, parseAgentArgs, USAGE } from "./config.ts";
import { createLog } from "./log.ts";
import { COMMAND_HELP } from "./trips/commands.ts";

/**
 * `npm run agent -- …`: the onboard agent. Reads flags (or --config), starts
 * the agent, reads the driver's commands and keyboard-wedge scans from stdin,
 * and on Ctrl-C/SIGTERM says goodbye to the broker. A `kill -9` loses nothing
 * either: everything is in the outbox before it is sent.
 */
async function main() {
  let config;
  try {
    config = parseAgentArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (config === "help") {
    console.log(`${USAGE}\n\n${COMMAND_HELP}`);
    return;
  }
  const log = createLog(config.quiet);
  const agent = await createAgent(config, log).catch((err: Error) => {
    console.error(`Cannot start the agent: ${err.message}`);
    process.exit(1);
  });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await agent.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    await agent.start();
  } catch (err) {
    console.error(`Cannot start the agent: ${(err as Error).message}`);
    await stop(1);
    return;
  }
  log.info(`agent for vehicle ${config.vehicle} started; outbox ${config.outbox}${agent.httpPort !== null ? `; driver screen http://127.0.0.1:${agent.httpPort}/` : ""}`);
  log.info('type "help" for commands');

  const stdin = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  stdin.on("line", (line) => agent.handleLine(line));

  if (config.exitWhenDone) {
    await agent.whenDone();
    log.info("all fixes acknowledged by the server; exiting");
    await stop(0);
  }
}

void main();
