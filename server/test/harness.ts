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
  const deps: AppDeps = {
    config,
    db: database.db,
    clock,
    logger: opts.logger ?? pino({ level: "silent" }),
    keys: deriveKeys(TEST_DATA_KEY),
    metrics: createMetrics(),
    vehicleBus: opts.vehicleBus ?? silentVehicleBus,
    agentAccounts: opts.agentAccounts,
    broker: opts.broker,
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

  return { app, deps, database, clock, auth, staff, call, close: () => database.close() };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
