import { randomBytes } from "node:crypto";
import pino from "pino";
import postgres from "postgres";
import { createApp } from "../src/app.ts";
import { createAuthRepository } from "../src/auth/auth.repository.ts";
import { manualClock } from "../src/clock.ts";
import { loadConfig } from "../src/config.ts";
import type { AppDeps, StaffRole } from "../src/context.ts";
import { deriveKeys } from "../src/crypto/keys.ts";
import { openDatabase, type Database } from "../src/db/client.ts";
import { preparePartitions } from "../src/jobs/partitions.job.ts";
import { createMetrics } from "../src/metrics.ts";
import type { AgentAccounts } from "../src/mqtt/agent-accounts.ts";
import { silentVehicleBus, type VehicleBus } from "../src/mqtt/vehicle-bus.ts";
import { createSms } from "../src/sms/sms.ts";
import { normalisePhone } from "../src/persons/phone.ts";

/**
 * One migrated database per test file: PGlite in memory by default, or a fresh
 * database on the server named by DATABASE_URL (CI's second run), dropped after.
 */
export async function createTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ dataDir: null });
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString(), dataDir: null, poolSize: 4 });
  return {
    ...database,
    async close() {
      await database.close();
      const again = postgres(url, { max: 1, onnotice: () => {} });
      await again.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

export const TEST_DATA_KEY = Buffer.alloc(32, 7);

export interface TestAppOptions {
  env?: Record<string, string>;
  now?: string;
  vehicleBus?: VehicleBus;
  agentAccounts?: AgentAccounts;
  broker?: AppDeps["broker"];
  driverScreens?: AppDeps["driverScreens"];
  database?: Database;
  /** A clock of manualClock's shape (see system.ts for one that runs with real time). */
  clock?: ReturnType<typeof manualClock>;
  /** Where log lines go (silent by default); give createLogger(…) over a sink to read them. */
  logger?: AppDeps["logger"];
}

/** The same app main.ts builds, over a test database and a hand-moved clock. */
export async function createTestApp(opts: TestAppOptions = {}) {
  const database = opts.database ?? (await createTestDatabase());
  const clock = opts.clock ?? manualClock(opts.now ?? new Date().toISOString());
  const config = loadConfig({ PUBLIC_URL: "http://transit.test", LOG_LEVEL: "silent", ...opts.env });
  const logger = opts.logger ?? pino({ level: "silent" });
  const deps: AppDeps = {
    config,
    db: database.db,
    clock,
    logger,
    keys: deriveKeys(TEST_DATA_KEY),
    metrics: createMetrics(),
    vehicleBus: opts.vehicleBus ?? silentVehicleBus,
    sms: createSms(config.sms, logger),
    agentAccounts: opts.agentAccounts,
    broker: opts.broker,
    driverScreens: opts.driverScreens,
  };
  await preparePartitions(deps);
  const app = createApp(deps);
  const auth = createAuthRepository(deps);

  /** Creates a staff user of `role` and returns the Authorization header for them. */
  async function staff(role: StaffRole, operator?: string) {
    const username = `${role}-${randomBytes(4).toString("hex")}`;
    const password = "correct horse battery";
    const operatorId = operator ? (await auth.operatorByName(operator)).id : null;
    await auth.createUser({ username, password, role, operatorId });
    const session = await auth.login(username, password);
    return { authorization: `Bearer ${session!.token}`, username, password };
  }

  /** A JSON request through app.request(), as a client would send it. */
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, from?: string) {
    const res = await app.request(
      path,
      {
        method,
        headers: { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      },
      // As @hono/node-server hands it over: the socket whose peer is `from` (a proxy, or the client itself).
      from ? { incoming: { socket: { remoteAddress: from } } } : undefined,
    );
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, json: json as any, text, headers: res.headers };
  }

  /** The latest text the development sink holds for `phone` (any way of writing it). */
  function lastText(phone: string): string | null {
    const e164 = normalisePhone(phone) ?? phone;
    return deps.sms.sink?.messages(e164)[0]?.text ?? null;
  }

  /**
   * Proves `phone` as its owner would (issue 11): asks for a code, reads it
   * from the development sink, sends it back. Returns the device cookie the
   * browser would keep, and the verify answer. Each call comes from an
   * address of its own, so the per-address limits of one test do not meet another's.
   */
  async function verifyPhone(phone: string, extra: { name?: string; checkinId?: string } = {}) {
    const from = `10.${(verifications >> 16) & 255}.${(verifications >> 8) & 255}.${verifications++ & 255}`;
    const sent = await call("POST", "/api/v1/otp", { phone }, {}, from);
    if (sent.status !== 202) throw new Error(`POST /otp answered ${sent.status}: ${sent.text}`);
    const code = /\b(\d{6})\b/.exec(lastText(phone) ?? "")?.[1];
    if (!code) throw new Error(`no code in the sink for ${phone}`);
    const res = await call("POST", "/api/v1/otp/verify", { phone, code, ...extra }, {}, from);
    if (res.status !== 200) throw new Error(`POST /otp/verify answered ${res.status}: ${res.text}`);
    const cookie = /(tc_device=[^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
    if (!cookie) throw new Error("no device cookie after verifying");
    return { cookie, personId: res.json.personId as string, status: res.json.status as string, checkinVerified: res.json.checkinVerified as boolean };
  }
  let verifications = 1;

  return { app, deps, database, clock, auth, staff, call, lastText, verifyPhone, close: () => database.close() };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
