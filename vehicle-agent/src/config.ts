import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ROUTE_ID_MAX } from "../../protocol/fields.ts";

/**
 * The agent's configuration: command-line flags, optionally on top of a JSON
 * file (`--config agent.json`, same names in camelCase). Flags win over the
 * file. Parsed once at start; a bad value stops the agent with a message that
 * names the flag.
 */

const positiveNumber = z.coerce.number().positive();

export const agentConfigSchema = z
  .object({
    // Several brokers (the nodes of a cluster) separated by commas: the agent moves to the next when one is lost.
    url: z
      .string()
      .refine(
        (v) => v.split(",").every((u) => /^(mqtts?|wss?):\/\/[^\s/]+/.test(u.trim())),
        "must be mqtt://, mqtts://, ws:// or wss:// URLs, several separated by commas",
      ),
    vehicle: z.string().uuid("must be the vehicle id (a UUID) shown at registration"),
    password: z.string().min(1),
    server: z.string().url().optional(),
    topicPrefix: z
      .string()
      .regex(/^[^#+]*$/, "must not contain MQTT wildcards")
      .default(""),
    /** The on-disk outbox (SQLite). One file per vehicle. */
    outbox: z.string().min(1).optional(),
    // GPS source: exactly one of these, or none (trips and passes only).
    replay: z.string().min(1).optional(),
    replayFormat: z.enum(["auto", "austin", "csv", "gpx", "geojson"]).default("auto"),
    vehicleFilter: z.string().min(1).optional(),
    speed: positiveNumber.default(1),
    keepTime: z.boolean().default(false),
    /**
     * Milliseconds added to every replayed time, instead of the shift the agent
     * works out for its own track: `npm run replay` gives every vehicle of a
     * fleet the same one, so that they keep one clock. No flag: set by the fleet.
     */
    replayShift: z.number().int().optional(),
    loop: z.boolean().default(false),
    replayAgain: z.boolean().default(false),
    gpsd: z.string().optional(),
    simulate: z.string().optional(),
    simulateSpeed: positiveNumber.default(10),
    interval: positiveNumber.default(1),
    /** Shown on the tablet page; the agent itself only knows the vehicle id. */
    plate: z.string().min(1).max(20).optional(),
    // Trips and passes.
    routeId: z.string().min(1).max(ROUTE_ID_MAX).optional(),
    driver: z.string().min(1).max(64).optional(),
    passDevice: z.string().min(1).optional(),
    passPublicKey: z.string().min(1).optional(),
    // Local screen for the driver: HTTP on 127.0.0.1 (0 = any free port, -1 = off).
    httpPort: z.coerce.number().int().min(-1).max(65535).default(8080),
    terminalQr: z.boolean().default(true),
    // Link tuning.
    keepalive: z.coerce.number().int().min(5).max(60).default(30),
    ackTimeout: positiveNumber.default(30),
    window: z.coerce.number().int().min(1).max(1000).default(16),
    mqttVersion: z.enum(["auto", "5", "4"]).default("auto"),
    reconnectMin: positiveNumber.default(1),
    reconnectMax: positiveNumber.default(60),
    quiet: z.boolean().default(false),
    exitWhenDone: z.boolean().default(false),
  })
  .refine((c) => [c.replay, c.gpsd, c.simulate].filter((v) => v !== undefined).length <= 1, {
    message: "choose one GPS source: --replay, --gpsd or --simulate",
    path: ["replay"],
  });

export type AgentConfig = z.infer<typeof agentConfigSchema> & { outbox: string };

/** Flags as parseArgs sees them; kebab-case on the command line, camelCase in the config file. */
const flags = {
  config: { type: "string" },
  url: { type: "string" },
  vehicle: { type: "string" },
  password: { type: "string" },
  server: { type: "string" },
  "topic-prefix": { type: "string" },
  outbox: { type: "string" },
  replay: { type: "string" },
  "replay-format": { type: "string" },
  "vehicle-filter": { type: "string" },
  speed: { type: "string" },
  "keep-time": { type: "boolean" },
  loop: { type: "boolean" },
  "replay-again": { type: "boolean" },
  gpsd: { type: "string" },
  simulate: { type: "string" },
  "simulate-speed": { type: "string" },
  interval: { type: "string" },
  "route-id": { type: "string" },
  driver: { type: "string" },
  "pass-device": { type: "string" },
  "pass-public-key": { type: "string" },
  "http-port": { type: "string" },
  "no-terminal-qr": { type: "boolean" },
  keepalive: { type: "string" },
  "ack-timeout": { type: "string" },
  window: { type: "string" },
  "mqtt-version": { type: "string" },
  "reconnect-min": { type: "string" },
  "reconnect-max": { type: "string" },
  plate: { type: "string" },
  quiet: { type: "boolean" },
  "exit-when-done": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export class ConfigError extends Error {}

export const USAGE = `Usage: npm run agent -- --url mqtt://host:1883 --vehicle <id> --password <pw> [source] [options]
       npm run agent -- --config agent.json [overrides]
See docs/agent.md for every flag.`;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Joins `--flag value` into `--flag=value` for string flags, so that a value
 * starting with "-" (agent passwords can) is taken as the value, not refused
 * as an ambiguous option.
 */
function joinValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : null;
    const next = argv[i + 1];
    const isFlag = (a: string) => a.startsWith("--") && a.slice(2).split("=")[0]! in flags;
    if (name && name in flags && flags[name as keyof typeof flags].type === "string" && next !== undefined && !isFlag(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function parseAgentArgs(argv: string[], cwd = process.cwd()): AgentConfig | "help" {
  let parsed;
  try {
    parsed = parseArgs({ args: joinValues(argv), options: flags, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${USAGE}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return "help";

  let fromFile: Record<string, unknown> = {};
  if (typeof values.config === "string") {
    try {
      fromFile = JSON.parse(readFileSync(path.resolve(cwd, values.config), "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`--config ${values.config}: ${(err as Error).message}`);
    }
  }
  const fromFlags: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined || flag === "config" || flag === "help") continue;
    if (flag === "no-terminal-qr") fromFlags.terminalQr = !value;
    else fromFlags[camel(flag)] = value;
  }
  const result = agentConfigSchema.safeParse({ ...fromFile, ...fromFlags });
  if (!result.success) {
    const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const lines = result.error.issues.map((i) => `  --${kebab(String(i.path[0] ?? ""))}: ${i.message}`);
    throw new ConfigError(`Invalid agent configuration:\n${lines.join("\n")}\n${USAGE}`);
  }
  const config = result.data;
  return {
    ...config,
    outbox: path.resolve(cwd, config.outbox ?? path.join("data", `agent-${config.vehicle}.sqlite`)),
  };
}
