import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { phoneCodes } from "../db/schema/index.ts";

/** Where one-time codes live: one row per phone (its lookup hash), replaced by each new code. */
export function createOtpRepository({ db }: { db: Db }) {
  return {
    async put(row: { phoneHash: string; codeHash: string; expiresAt: Date; now: Date }): Promise<void> {
      await db
        .insert(phoneCodes)
        .values({ phoneHash: row.phoneHash, codeHash: row.codeHash, expiresAt: row.expiresAt, attempts: 0, createdAt: row.now })
        .onConflictDoUpdate({
          target: phoneCodes.phoneHash,
          set: { codeHash: row.codeHash, expiresAt: row.expiresAt, attempts: 0, createdAt: row.now },
        });
      // Dead codes are swept as new ones are made: the table holds live codes, not a history of who asked.
      await db.delete(phoneCodes).where(lt(phoneCodes.expiresAt, new Date(row.now.getTime() - 3_600_000)));
    },

    /**
     * Spends one attempt on the phone's live code and returns its hash and the
     * attempts now used, or null when there is no live code with attempts
     * left. Counting before comparing (one statement) means two racing
     * guesses each spend an attempt.
     */
    async spendAttempt(phoneHash: string, maxAttempts: number, now: Date): Promise<{ codeHash: string; attempts: number } | null> {
      const [row] = await db
        .update(phoneCodes)
        .set({ attempts: sql`${phoneCodes.attempts} + 1` })
        .where(and(eq(phoneCodes.phoneHash, phoneHash), lt(phoneCodes.attempts, maxAttempts), gt(phoneCodes.expiresAt, now)))
        .returning({ codeHash: phoneCodes.codeHash, attempts: phoneCodes.attempts });
      return row ?? null;
    },

    async get(phoneHash: string) {
      const [row] = await db.select().from(phoneCodes).where(eq(phoneCodes.phoneHash, phoneHash));
      return row ?? null;
    },

    /** Uses the code up; false when a racing request used it first. */
    async consume(phoneHash: string, codeHash: string): Promise<boolean> {
      const gone = await db
        .delete(phoneCodes)
        .where(and(eq(phoneCodes.phoneHash, phoneHash), eq(phoneCodes.codeHash, codeHash)))
        .returning({ phoneHash: phoneCodes.phoneHash });
      return gone.length === 1;
    },
  };
}

export type OtpRepository = ReturnType<typeof createOtpRepository>;
