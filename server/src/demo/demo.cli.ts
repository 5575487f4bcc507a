import path from "node:path";
import type { Config } from "../config.ts";
import { formatProblems, GtfsFeedError } from "../gtfs/gtfs.problems.ts";
import { createLogger } from "../logger.ts";
import { CASE_PHONE } from "./demo.passengers.ts";
import { parseDemoArgs, startDemo, type DemoOptions } from "./demo.ts";

/** `npm run demo` / `DEMO=1 npm start`: starts the demo and tells a new user where to look. */
export async function runDemo(config: Config, argv: string[]) {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm run demo -- [--seed N] [--gtfs feed.zip] [--buses 20] [--taxis 10] [--ride-hail 5] [--time-scale 1] [--board-every 1500] [--clock HH:MM]`);
    process.exit(2);
  }
  console.log(`Starting the demo city (seed ${options.seed}${options.gtfs ? `, buses on ${options.gtfs}` : ", a generated city"})…`);
  const url = config.publicUrl;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  try {
    const up = (password: string) => console.log(`Console: ${url}  sign in as admin / ${password} — vehicles appear as they are registered and their agents start`);
    demo = await startDemo(config, options, createLogger(config.logLevel === "info" ? "warn" : config.logLevel), { onServerUp: up, say: (line) => console.log(`  ${line}`) });
  } catch (err) {
    if (err instanceof GtfsFeedError) console.error(`${options.gtfs}: ${err.message}.\n${formatProblems(err.problems)}`);
    else console.error((err as Error).message);
    process.exit(1);
  }
  // A window around now, whatever the time zone: "today" in UTC misses a case seeded just after midnight here.
  const traceWindow = { from: new Date(Date.now() - 12 * 3_600_000).toISOString(), to: new Date(Date.now() + 12 * 3_600_000).toISOString() };
  console.log(
    [
      "",
      `Demo running: ${url}   sign in as admin / ${demo.adminPassword}`,
      `  ${demo.lines.length} bus lines, ${demo.fleet.vehicles.length} vehicles (${options.buses} buses, ${options.taxis} taxis, ${options.rideHail} ride-hail), a passenger boarding every ${options.boardEveryMs / 1000 / options.timeScale} s`,
      `  Live: ${url}/#/live   Routes: ${url}/#/routes   Flow: ${url}/#/flow   Fleet: ${url}/#/fleet`,
      "",
      `Seeded confirmed case: phone ${CASE_PHONE}. After a minute or two, trace it:`,
      `  console: Cases → phone ${CASE_PHONE}, window today, reason "demo case" → Run trace`,
      `  API: POST /api/v1/traces {"phone":"${CASE_PHONE}","from":"${traceWindow.from}","to":"${traceWindow.to}","reason":"demo case"}`,
      "",
      `Data of this run: ${path.join(config.dataDir, "demo")} (laid anew at each start). Ctrl-C stops.`,
    ].join("\n"),
  );
  const shutdown = async () => {
    await demo.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}
