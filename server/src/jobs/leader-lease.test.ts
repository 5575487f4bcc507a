import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type Database } from "../db/client.ts";
import { createTestDatabase } from "../../test/harness.ts";
import { until } from "../../test/system.ts";
import { createLeaderLease, whileLeader, type LeaderLease } from "./leader-lease.ts";

/*
 * The lease in one process, on whichever database the run uses (PGlite or
 * PostgreSQL); server/src/roles.test.ts runs it across real processes.
 */
let database: Database;
const logger = pino({ level: "silent" });
const started: LeaderLease[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());
afterEach(async () => {
  await Promise.all(started.splice(0).map((l) => l.stop()));
  await database.db.execute("delete from leases");
});

async function contender(name: string, ttlMs = 600) {
  const lease = createLeaderLease({ db: database.db, logger, ttlMs, name });
  started.push(lease);
  await lease.start();
  return lease;
}

describe("the leader lease", () => {
  it("lets exactly one of several contenders lead, and keeps it there while it renews", async () => {
    const leases = [await contender("jobs", 1500), await contender("jobs", 1500), await contender("jobs", 1500)];
    expect(leases.map((l) => l.isLeader())).toEqual([true, false, false]);
    // Past several TTLs, counted in renewals seen: the first stays in place and nobody else takes it.
    const expiries = new Set<string>();
    await until(async () => {
      const rows = rowsOf<{ expires_at: Date | string }>(await database.db.execute("select expires_at from leases where name = 'jobs'"));
      expiries.add(String(rows[0]?.expires_at));
      return expiries.size >= 6;
    }, "six renewals");
    const { holder } = rowsOf<{ holder: string }>(await database.db.execute("select holder from leases where name = 'jobs'"))[0]!;
    expect(leases.map((l) => l.isLeader())).toEqual([true, false, false]);
    expect(holder).toBe(leases[0]!.holder);
  });

  it("hands over at once when the leader stops", async () => {
    const first = await contender("jobs", 900);
    const second = await contender("jobs", 900);
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false]);
    await first.stop();
    await until(() => second.isLeader(), "the second to take over", 5_000);
  });

  it("is taken over once a holder that stopped renewing (a killed process) lets it expire", async () => {
    await database.db.execute("insert into leases (name, holder, expires_at) values ('jobs', 'gone:1:dead', now() + interval '1 second')");
    const lease = await contender("jobs", 300);
    expect(lease.isLeader()).toBe(false);
    await until(() => lease.isLeader(), "the takeover after expiry", 10_000);
    const rows = rowsOf<{ holder: string }>(await database.db.execute("select holder from leases where name = 'jobs'"));
    expect(rows).toEqual([{ holder: lease.holder }]);
  });

  it("runs a leader's schedule only while it leads", async () => {
    const first = await contender("jobs", 900);
    const second = await contender("jobs", 900);
    const running: string[] = [];
    const stops = [first, second].map((l, i) =>
      whileLeader(l, () => {
        running.push(`start ${i}`);
        return () => running.push(`stop ${i}`);
      }),
    );
    expect(running).toEqual(["start 0"]);
    await first.stop();
    await until(() => running.length === 3, "the second's start");
    expect(running).toEqual(["start 0", "stop 0", "start 1"]);
    stops.forEach((s) => s());
  });
});
