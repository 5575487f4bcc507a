import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/harness.ts";
import { freePort } from "../../test/mosquitto.ts";
import type { Database } from "./client.ts";
import { isDatabaseUnreachable, isDataRefused, sqlState } from "./db-errors.ts";

/** The error a real query raises, through drizzle as the repositories run it. */
const failureOf = (run: () => Promise<unknown>) => run().then(() => expect.fail("the query succeeded"), (err: unknown) => err);

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close().catch(() => {}));

describe("what a database failure means", () => {
  it("a NUL byte in text is refused for good (SQLSTATE class 22), not an outage", async () => {
    const err = await failureOf(() => database.db.execute(sql`select ${"K\u000051"}::text as t`));
    expect(isDataRefused(err)).toBe(true);
    expect(sqlState(err)).toMatch(/^22/);
    expect(isDatabaseUnreachable(err)).toBe(false);
  });

  it("a missing table is neither: it may be back on a retry", async () => {
    const err = await failureOf(() => database.db.execute(sql`select 1 from no_such_table`));
    expect(isDataRefused(err)).toBe(false);
    expect(isDatabaseUnreachable(err)).toBe(false);
  });

  it("a PostgreSQL nobody listens for is unreachable", async () => {
    const client = postgres(`postgres://postgres@127.0.0.1:${await freePort()}/none`, { max: 1, connect_timeout: 5, onnotice: () => {} });
    try {
      const err = await failureOf(() => drizzle(client).execute(sql`select 1`));
      expect(isDatabaseUnreachable(err)).toBe(true);
      expect(isDataRefused(err)).toBe(false);
    } finally {
      await client.end();
    }
  });

  it("a database closed under the app is unreachable", async () => {
    await database.close();
    const err = await failureOf(() => database.db.execute(sql`select 1`));
    expect(isDatabaseUnreachable(err)).toBe(true);
  });
});
