import { parseArgs } from "node:util";
import { createLog } from "../log.ts";
import { replayFleet } from "./fleet-replay.ts";

const USAGE = `usage: npm run replay -- fleet.csv [--server http://localhost:3000] [--url mqtt://localhost:1883]
         [--admin-user admin] [--admin-password …] [--speed 1] [--data-dir data/replay] [--plate-prefix ""] [--topic-prefix ""]
Replays every vehicle of a fleet CSV (vehicle_id,timestamp,…,trip_id,latitude,longitude) through the
running server, registering the vehicles it needs with the admin login (once; kept in --data-dir).`;

/** `npm run replay -- fleet.csv`: a recorded day of a whole fleet, played through a running server. */
async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        server: { type: "string", default: "http://localhost:3000" },
        url: { type: "string", default: "mqtt://localhost:1883" },
        "admin-user": { type: "string", default: "admin" },
        "admin-password": { type: "string" },
        speed: { type: "string", default: "1" },
        "data-dir": { type: "string", default: "data/replay" },
        "plate-prefix": { type: "string", default: "" },
        "topic-prefix": { type: "string", default: "" },
        help: { type: "boolean" },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  const speed = Number(values.speed);
  const password = values["admin-password"] ?? process.env.ADMIN_PASSWORD;
  if (values.help || positionals.length !== 1 || !(speed > 0) || !password) {
    console.error(`${!password && positionals.length === 1 ? "Give the admin's password (--admin-password or ADMIN_PASSWORD).\n" : ""}${USAGE}`);
    process.exit(values.help ? 0 : 2);
  }
  const log = createLog(false);
  const fleet = await replayFleet({
    file: positionals[0]!,
    server: values.server.replace(/\/+$/, ""),
    url: values.url,
    topicPrefix: values["topic-prefix"],
    admin: { username: values["admin-user"], password },
    speed,
    dataDir: values["data-dir"],
    platePrefix: values["plate-prefix"],
    log,
  });
  log.info(`replaying ${fleet.vehicles.length} vehicles at ${speed}× speed; Ctrl-C stops (a later run resumes where each vehicle was)`);
  process.on("SIGINT", () => void fleet.stop().then(() => process.exit(130)));
  await fleet.done;
  log.info("every vehicle's fixes were sent and acknowledged");
  await fleet.stop();
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
