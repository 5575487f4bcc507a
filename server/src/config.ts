import { z } from "zod";
import { parseTrustProxy } from "./client-address.ts";

/**
 * The only reader of process.env. Parsed once at start; a bad value stops the
 * start with a message that names the variable.
 */
const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), `must start with ${protocols.map((p) => `${p}://`).join(" or ")}`)
    .optional();

const envSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  /** A streaming standby for tracing, trips and flow reads (server/src/db/read-replica.ts); needs DATABASE_URL. */
  DATABASE_READ_URL: optionalUrl(["postgres", "postgresql"]),
  /** Reads fall back to the primary while the standby is more than this far behind (or unreachable). */
  DATABASE_READ_MAX_LAG_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  DATA_DIR: z.string().min(1).default("./data"),
  MQTT_URL: optionalUrl(["mqtt", "mqtts", "ws", "wss"]),
  MQTT_PORT: port.default(1883),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[^#+]*$/, "must not contain MQTT wildcards")
    .default(""),
  ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  DATA_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== null, "must be 32 bytes, base64 or hex (generate one with: openssl rand -base64 32)")
    .optional(),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(28),
  /** How long a close contact stays yellow before their status expires to clear. */
  QUARANTINE_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  TILE_URL: z.string().default("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
  TILE_CRS: z.enum(["wgs84", "gcj02"]).default("wgs84"),
  TZ_DISPLAY: z
    .string()
    .refine(isTimeZone, "must be an IANA time zone such as Asia/Shanghai")
    .default("Asia/Shanghai"),
  LIVE_CODE_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  TRUST_PROXY: z
    .string()
    .refine((v) => parseTrustProxy(v) !== null, "must be a number of proxy hops (1) or a comma list of addresses/CIDRs (10.0.0.0/8,192.168.1.5)")
    .optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** What this process does (docs/DESIGN.md §2): everything, HTTP only, or MQTT ingest only. */
  SERVER_ROLE: z.enum(["all", "web", "ingest"], { message: "must be all, web or ingest" }).default("all"),
  /** How long the leader's lease lasts unrenewed: a dead leader's jobs move to another process within this. */
  LEADER_LEASE_SECONDS: z.coerce.number().min(1).max(600).default(15),
  /** 1: start with the simulated city (server/src/demo), as `npm run demo` does. */
  DEMO: z.enum(["0", "1"], { message: "must be 0 or 1" }).default("0"),
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  // Treat empty strings as unset, as shells and .env files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) {
    throw new ConfigError("Invalid configuration:\n  DATABASE_READ_URL: needs DATABASE_URL (the primary that takes every write); the embedded database has no standby");
  }
  if (e.SERVER_ROLE !== "all" && (!e.DATABASE_URL || !e.MQTT_URL)) {
    throw new ConfigError(
      `Invalid configuration:\n  SERVER_ROLE: "${e.SERVER_ROLE}" needs DATABASE_URL and MQTT_URL. ` +
        `The embedded database (PGlite) and broker (aedes) live inside one process, so only SERVER_ROLE=all can use them; ` +
        `run several processes against a real PostgreSQL and MQTT broker to split the roles.`,
    );
  }
  return {
    role: e.SERVER_ROLE,
    leaderLeaseMs: e.LEADER_LEASE_SECONDS * 1000,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    databaseUrl: e.DATABASE_URL,
    /** The standby for tracing, trips and flow reads, and how far behind it may be before reads go back to the primary. */
    databaseRead: e.DATABASE_READ_URL ? { url: e.DATABASE_READ_URL, maxLagMs: Math.round(e.DATABASE_READ_MAX_LAG_SECONDS * 1000) } : undefined,
    dataDir: e.DATA_DIR,
    mqtt: {
      url: e.MQTT_URL,
      port: e.MQTT_PORT,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      topicPrefix: e.MQTT_TOPIC_PREFIX,
    },
    adminPassword: e.ADMIN_PASSWORD,
    dataKey: e.DATA_KEY ? decodeKey(e.DATA_KEY)! : undefined,
    retentionDays: e.RETENTION_DAYS,
    quarantineDays: e.QUARANTINE_DAYS,
    tileUrl: e.TILE_URL,
    tileCrs: e.TILE_CRS,
    tzDisplay: e.TZ_DISPLAY,
    liveCodeTtlSeconds: e.LIVE_CODE_TTL_SECONDS,
    logLevel: e.LOG_LEVEL,
    /** Who may set X-Forwarded-For; by default nobody, so the socket's peer is the client. */
    trustProxy: parseTrustProxy(e.TRUST_PROXY)!,
    demo: e.DEMO === "1",
  };
}

export function decodeKey(text: string): Buffer | null {
  const hex = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : null;
  const key = hex ?? Buffer.from(text, "base64");
  return key.length === 32 ? key : null;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
