import { Writable } from "node:stream";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../test/harness.ts";
import { users } from "./db/schema/index.ts";
import { createLogger } from "./logger.ts";

function capture() {
  const sink = { out: "" };
  const stream = new Writable({
    write(chunk, _enc, done) {
      sink.out += chunk.toString();
      done();
    },
  });
  return { sink, logger: createLogger("info", stream) };
}

describe("logs", () => {
  it("never print phones, names, passwords or tokens, even when handed them", () => {
    const { sink, logger } = capture();
    logger.info({ phone: "+8613812345678", name: "王小明", body: { phone: "13812345678", password: "hunter22", token: "abc" } }, "check-in");
    expect(sink.out).toContain("check-in");
    expect(sink.out).not.toContain("13812345678");
    expect(sink.out).not.toContain("王小明");
    expect(sink.out).not.toContain("hunter22");
  });

  it("never print hashes or request paths that carry poster codes or live tokens", () => {
    const { sink, logger } = capture();
    logger.info({ passwordHash: "scrypt$32768$8$1$c2FsdA$aGFzaA", tokenHash: "9f86d081884c7d65", path: "/v/Qx7pZ2mN", req: { path: "/v/L1.abc" } }, "x");
    for (const secret of ["aGFzaA", "9f86d081884c7d65", "Qx7pZ2mN", "L1.abc"]) expect(sink.out).not.toContain(secret);
  });

  it("never print the values of a failed SQL statement, only what failed", async () => {
    const database = await createTestDatabase();
    try {
      const row = { id: "0190f0f0-0000-7000-8000-00000000a001", username: "dup-user", passwordHash: "scrypt$32768$8$1$U0VDUkVUU0FMVA$U0VDUkVUSEFTSA", role: "tracer" as const };
      await database.db.insert(users).values(row);
      const err = await database.db
        .insert(users)
        .values({ ...row, id: "0190f0f0-0000-7000-8000-00000000a002" })
        .then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const { sink, logger } = capture();
      logger.error({ err }, "could not store");
      expect(sink.out).toContain("could not store");
      expect(sink.out).toContain("users_username_unique");
      for (const value of ["U0VDUkVUSEFTSA", "U0VDUkVUU0FMVA", "dup-user", "00000000a002"]) expect(sink.out).not.toContain(value);
      await database.db.delete(users).where(eq(users.id, row.id));
    } finally {
      await database.close();
    }
  });
});
