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

const urlList = (protocols: string[]) =>
  z
    .string()
    .refine(
      (v) => v.split(",").every((u) => protocols.some((p) => u.trim().startsWith(`${p}://`)) && URL.canParse(u.trim())),
      `must be ${protocols.map((p) => `${p}://`).join(" or ")} URLs, several separated by commas`,
    )
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
  /** One broker, or the nodes of a cluster separated by commas (the server moves to the next when one is lost). */
  MQTT_URL: urlList(["mqtt", "mqtts", "ws", "wss"]),
  /** A NATS cluster's client URLs (comma list): ingest takes the agents' messages through a queue group there (docs/DESIGN.md §2). */
  NATS_URL: urlList(["nats", "tls"]),
  /** The `authorization {…}` file every NATS node includes: the server keeps it to the vehicles registered (nats-accounts.ts). */
  NATS_USERS_FILE: z.string().min(1).optional(),
  /** pid files of NATS nodes on this machine, sent SIGHUP after the users file changes (nodes elsewhere watch the file). */
  NATS_RELOAD_PID_FILES: z.string().min(1).optional(),
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
  /** Where one-time codes and contact messages go (server/src/sms): the development sink, an SMPP centre, or an HTTP provider. */
  SMS_GATEWAY: z.enum(["sink", "smpp", "http"], { message: "must be sink, smpp or http" }).default("sink"),
  SMPP_URL: optionalUrl(["smpp", "ssmpp"]),
  SMPP_HOST: z.string().min(1).optional(),
  SMPP_PORT: port.default(2775),
  SMPP_SYSTEM_ID: z.string().min(1).max(15, "must be at most 15 characters (SMPP 3.4 system_id)").optional(),
  SMPP_PASSWORD: z.string().max(8, "must be at most 8 characters (SMPP 3.4 password)").optional(),
  SMS_HTTP_URL: optionalUrl(["http", "https"]),
  SMS_HTTP_KEY: z.string().min(1).optional(),
  SMS_SENDER: z.string().min(1).max(20, "must be at most 20 characters (an SMS sender id)").default("TransitCheckin"),
  /** on: a person marked close contact gets a text telling them what to do (issue 11 part 8). */
  TELL_CONTACTS: z.enum(["on", "off"], { message: "must be on or off" }).default("on"),
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
  if (e.NATS_URL && !e.MQTT_URL) {
    throw new ConfigError(
      `Invalid configuration:\n  NATS_URL: needs MQTT_URL too (the cluster's MQTT listeners): vehicles speak MQTT, the server publishes to them there and takes their messages over NATS.`,
    );
  }
  if (e.NATS_USERS_FILE && (!e.NATS_URL || !e.MQTT_USERNAME || !e.MQTT_PASSWORD)) {
    throw new ConfigError(
      "Invalid configuration:\n  NATS_USERS_FILE: needs NATS_URL, MQTT_USERNAME and MQTT_PASSWORD (the file's first login is the server's own, so that it can still connect once the nodes require logins)",
    );
  }
  if (e.NATS_RELOAD_PID_FILES && !e.NATS_USERS_FILE) {
    throw new ConfigError("Invalid configuration:\n  NATS_RELOAD_PID_FILES: needs NATS_USERS_FILE (the file whose changes the nodes are told to reload)");
  }
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
  const sms = smsConfig(e);
  return {
    role: e.SERVER_ROLE,
    leaderLeaseMs: e.LEADER_LEASE_SECONDS * 1000,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    publicUrlSet: e.PUBLIC_URL !== undefined,
    databaseUrl: e.DATABASE_URL,
    /** The standby for tracing, trips and flow reads, and how far behind it may be before reads go back to the primary. */
    databaseRead: e.DATABASE_READ_URL ? { url: e.DATABASE_READ_URL, maxLagMs: Math.round(e.DATABASE_READ_MAX_LAG_SECONDS * 1000) } : undefined,
    dataDir: e.DATA_DIR,
    mqtt: {
      url: e.MQTT_URL,
      urls: e.MQTT_URL ? e.MQTT_URL.split(",").map((u) => u.trim()) : [],
      natsUrls: e.NATS_URL ? e.NATS_URL.split(",").map((u) => u.trim()) : [],
      natsUsersFile: e.NATS_USERS_FILE,
      natsReloadPidFiles: e.NATS_RELOAD_PID_FILES ? e.NATS_RELOAD_PID_FILES.split(",").map((f) => f.trim()) : [],
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
    sms,
    tellContacts: e.TELL_CONTACTS === "on",
  };
}

export type SmsConfig =
  | { gateway: "sink"; sender: string }
  | { gateway: "smpp"; sender: string; url: string; systemId: string; password: string }
  | { gateway: "http"; sender: string; url: string; key: string };

/** The chosen SMS gateway with what it needs, or a ConfigError naming what is missing. */
function smsConfig(e: z.infer<typeof envSchema>): SmsConfig {
  const sender = e.SMS_SENDER;
  if (e.SMS_GATEWAY === "http") {
    const missing = [!e.SMS_HTTP_URL && "SMS_HTTP_URL", !e.SMS_HTTP_KEY && "SMS_HTTP_KEY"].filter(Boolean);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n  ${missing.join(", ")}: required when SMS_GATEWAY=http`);
    return { gateway: "http", sender, url: e.SMS_HTTP_URL!, key: e.SMS_HTTP_KEY! };
  }
  if (e.SMS_GATEWAY === "smpp") {
    // SMPP_URL (smpp://system_id:password@host:port) or its parts; the parts win where both are given.
    const u = e.SMPP_URL ? new URL(e.SMPP_URL) : null;
    const host = e.SMPP_HOST ?? u?.hostname;
    const systemId = e.SMPP_SYSTEM_ID ?? (u?.username ? decodeURIComponent(u.username) : undefined);
    const password = e.SMPP_PASSWORD ?? (u?.password ? decodeURIComponent(u.password) : undefined);
    const missing = [!host && "SMPP_URL or SMPP_HOST", !systemId && "SMPP_SYSTEM_ID (or the user of SMPP_URL)", password === undefined && "SMPP_PASSWORD (or the password of SMPP_URL)"].filter(Boolean);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n  ${missing.join(", ")}: required when SMS_GATEWAY=smpp`);
    const portNumber = e.SMPP_HOST ? e.SMPP_PORT : u?.port ? Number(u.port) : e.SMPP_PORT;
    const scheme = u?.protocol === "ssmpp:" ? "ssmpp" : "smpp";
    return { gateway: "smpp", sender, url: `${scheme}://${host}:${portNumber}`, systemId: systemId!, password: password! };
  }
  return { gateway: "sink", sender };
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
