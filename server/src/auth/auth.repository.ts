import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { StaffRole, StaffUser } from "../context.ts";
import type { Db } from "../db/client.ts";
import { operators, sessions, users } from "../db/schema/index.ts";
import { conflict } from "../errors.ts";
import { hashPassword, verifyPassword } from "../crypto/passwords.ts";

export const SESSION_HOURS = 12;

const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

export function createAuthRepository({ db, clock }: { db: Db; clock: Clock }) {
  const toStaff = (u: typeof users.$inferSelect): StaffUser => ({
    id: u.id,
    username: u.username,
    role: u.role,
    operatorId: u.operatorId,
  });

  return {
    async login(username: string, password: string): Promise<{ user: StaffUser; token: string; expiresAt: Date } | null> {
      const [u] = await db.select().from(users).where(and(eq(users.username, username), isNull(users.disabledAt)));
      // Hash even for an unknown user, so response time does not reveal which usernames exist.
      const ok = await verifyPassword(password, u?.passwordHash ?? "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA");
      if (!u || !ok) return null;
      const token = randomBytes(32).toString("base64url");
      const expiresAt = new Date(clock.now().getTime() + SESSION_HOURS * 3_600_000);
      await db.insert(sessions).values({ tokenHash: sha256(token), userId: u.id, expiresAt });
      return { user: toStaff(u), token, expiresAt };
    },

    async userForToken(token: string): Promise<StaffUser | null> {
      const [row] = await db
        .select({ user: users })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.tokenHash, sha256(token)), gt(sessions.expiresAt, clock.now()), isNull(users.disabledAt)));
      return row ? toStaff(row.user) : null;
    },

    async logout(token: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
    },

    async createUser(input: { username: string; password: string; role: StaffRole; operatorId?: string | null }): Promise<StaffUser> {
      const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.username, input.username));
      if (existing) throw conflict("username_taken", `A user named ${input.username} already exists`);
      const [u] = await db
        .insert(users)
        .values({
          id: uuidv7(),
          username: input.username,
          passwordHash: await hashPassword(input.password),
          role: input.role,
          operatorId: input.operatorId ?? null,
        })
        .returning();
      return toStaff(u!);
    },

    async listUsers(): Promise<StaffUser[]> {
      return (await db.select().from(users).orderBy(users.username)).map(toStaff);
    },

    async hasAnyUser(): Promise<boolean> {
      return (await db.select({ id: users.id }).from(users).limit(1)).length > 0;
    },

    /** The operator with this name, created on first use. */
    async operatorByName(name: string): Promise<{ id: string; name: string }> {
      await db.insert(operators).values({ id: uuidv7(), name }).onConflictDoNothing({ target: operators.name });
      const [op] = await db.select({ id: operators.id, name: operators.name }).from(operators).where(eq(operators.name, name));
      return op!;
    },

    async listOperators() {
      return db.select({ id: operators.id, name: operators.name }).from(operators).orderBy(operators.name);
    },
  };
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;
