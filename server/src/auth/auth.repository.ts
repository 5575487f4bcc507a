import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { StaffRole, StaffUser } from "../context.ts";
import type { Db } from "../db/client.ts";
import { operators, sessions, users } from "../db/schema/index.ts";
import { conflict } from "../errors.ts";
import { hashPassword, verifyPassword } from "../crypto/passwords.ts";
import type { StaffAccount } from "../../../protocol/api/staff.ts";

export const SESSION_HOURS = 12;

const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

/** Why a sign-in failed, for the log and metrics only: the client always hears "wrong username or password". */
export type LoginFailure = { reason: "unknown_user" | "wrong_password" | "disabled"; userId?: string };

/** A staff account as admin sees it in the user list (protocol/api/staff.ts). */
export type { StaffAccount };

export function createAuthRepository({ db, clock }: { db: Db; clock: Clock }) {
  const toStaff = (u: typeof users.$inferSelect): StaffUser => ({
    id: u.id,
    username: u.username,
    role: u.role,
    operatorId: u.operatorId,
  });
  const toAccount = (u: typeof users.$inferSelect, operator: string | null): StaffAccount => ({
    ...toStaff(u),
    operator,
    disabledAt: u.disabledAt ? new Date(u.disabledAt).toISOString() : null,
  });
  /** The account with its operator's name, read inside `tx` (the transaction that just changed it). */
  const account = async (tx: Pick<Db, "select">, u: typeof users.$inferSelect) => {
    if (!u.operatorId) return toAccount(u, null);
    const [op] = await tx.select({ name: operators.name }).from(operators).where(eq(operators.id, u.operatorId));
    return toAccount(u, op?.name ?? null);
  };

  /** A sign-in, or why it failed (never told to the client, which hears one answer for all three). */
  async function attempt(username: string, password: string): Promise<{ user: StaffUser; token: string; expiresAt: Date } | LoginFailure> {
    const [u] = await db.select().from(users).where(eq(users.username, username));
    // Hash even for an unknown user, so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, u?.passwordHash ?? "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA");
    if (!u) return { reason: "unknown_user" };
    if (!ok) return { reason: "wrong_password", userId: u.id };
    if (u.disabledAt) return { reason: "disabled", userId: u.id };
    const token = randomBytes(32).toString("base64url");
    const expiresAt = new Date(clock.now().getTime() + SESSION_HOURS * 3_600_000);
    await db.insert(sessions).values({ tokenHash: sha256(token), userId: u.id, expiresAt });
    return { user: toStaff(u), token, expiresAt };
  }

  return {
    async login(username: string, password: string): Promise<{ user: StaffUser; token: string; expiresAt: Date } | null> {
      const result = await attempt(username, password);
      return "reason" in result ? null : result;
    },

    attempt,

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

    async checkPassword(userId: string, password: string): Promise<boolean> {
      const [u] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
      return u ? verifyPassword(password, u.hash) : false;
    },

    /**
     * Sets a new password and ends the user's sessions, except `keepToken`
     * (the session that changed its own password), so a thief's session dies with the old password.
     */
    async setPassword(userId: string, password: string, keepToken?: string): Promise<boolean> {
      const hash = await hashPassword(password);
      return db.transaction(async (tx) => {
        const updated = await tx.update(users).set({ passwordHash: hash }).where(eq(users.id, userId)).returning({ id: users.id });
        if (updated.length === 0) return false;
        const others = keepToken ? and(eq(sessions.userId, userId), ne(sessions.tokenHash, sha256(keepToken))) : eq(sessions.userId, userId);
        await tx.delete(sessions).where(others);
        return true;
      });
    },

    /** Disables (ending every session at once) or enables a user; null when there is no such user. */
    async setDisabled(userId: string, disabled: boolean): Promise<StaffAccount | null> {
      return db.transaction(async (tx) => {
        const [u] = await tx
          .update(users)
          .set({ disabledAt: disabled ? clock.now() : null })
          .where(eq(users.id, userId))
          .returning();
        if (!u) return null;
        if (disabled) await tx.delete(sessions).where(eq(sessions.userId, userId));
        return account(tx, u);
      });
    },

    /**
     * Gives a user another role (an operator account: with its operator, any
     * other: with none); null when there is no such user. Sessions stay: each
     * request reads the role afresh, so the change holds from the next one.
     */
    async setRole(userId: string, role: StaffRole, operatorId: string | null): Promise<{ account: StaffAccount; previous: { role: StaffRole; operatorId: string | null } } | null> {
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
        if (!before) return null;
        const [u] = await tx
          .update(users)
          .set({ role, operatorId: role === "operator" ? operatorId : null })
          .where(eq(users.id, userId))
          .returning();
        return { account: await account(tx, u!), previous: { role: before.role, operatorId: before.operatorId } };
      });
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

    async getAccount(userId: string): Promise<StaffAccount | null> {
      const [u] = await db.select().from(users).where(eq(users.id, userId));
      return u ? account(db, u) : null;
    },

    async listUsers(): Promise<StaffAccount[]> {
      const rows = await db.select({ user: users, operator: operators.name }).from(users).leftJoin(operators, eq(operators.id, users.operatorId)).orderBy(users.username);
      return rows.map((r) => toAccount(r.user, r.operator));
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
