import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { auditLog, operatorApiKeys } from "../db/schema/index.ts";
import { auditRow, type Actor } from "./audit-row.ts";

/** Every key starts with this, so a bearer token is told from a staff session at a glance (and by secret scanners). */
export const API_KEY_PREFIX = "tck_";

/**
 * SHA-256, not bcrypt/scrypt: the key is 256 random bits, so there is nothing
 * to brute-force that a slow hash would protect, and a fast hash lets each
 * request find its key by a unique index (as sessions do, auth.repository.ts).
 */
const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export interface ApiKeyPrincipal {
  keyId: string;
  operatorId: string;
  name: string;
}

export function createApiKeysRepository({ db, clock }: { db: Db; clock: Clock }) {
  const listColumns = {
    id: operatorApiKeys.id,
    name: operatorApiKeys.name,
    prefix: operatorApiKeys.prefix,
    createdAt: operatorApiKeys.createdAt,
    lastUsedAt: operatorApiKeys.lastUsedAt,
    revokedAt: operatorApiKeys.revokedAt,
  };

  return {
    /** A new key for the operator; the key itself exists only in this answer. Audited with the act. */
    async create(operatorId: string, name: string, by: Actor) {
      const key = API_KEY_PREFIX + randomBytes(32).toString("base64url");
      const id = uuidv7();
      const now = clock.now();
      const row = { id, operatorId, name, keyHash: hashKey(key), prefix: key.slice(0, 12), createdBy: by.id, createdAt: now };
      await db.transaction(async (tx) => {
        await tx.insert(operatorApiKeys).values(row);
        await tx.insert(auditLog).values(auditRow(clock, by, "api_key.create", { operatorId, keyId: id, name }));
      });
      return { id, name, prefix: row.prefix, key, createdAt: now };
    },

    async list(operatorId: string) {
      return db.select(listColumns).from(operatorApiKeys).where(eq(operatorApiKeys.operatorId, operatorId)).orderBy(desc(operatorApiKeys.createdAt));
    },

    /** Revokes the operator's key (at once: the next request with it is refused); null when it is not theirs. */
    async revoke(operatorId: string, keyId: string, by: Actor) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(operatorApiKeys)
          .set({ revokedAt: clock.now() })
          .where(and(eq(operatorApiKeys.id, keyId), eq(operatorApiKeys.operatorId, operatorId), isNull(operatorApiKeys.revokedAt)))
          .returning(listColumns);
        if (!row) {
          const [already] = await tx.select(listColumns).from(operatorApiKeys).where(and(eq(operatorApiKeys.id, keyId), eq(operatorApiKeys.operatorId, operatorId)));
          return already ?? null;
        }
        await tx.insert(auditLog).values(auditRow(clock, by, "api_key.revoke", { operatorId, keyId }));
        return row;
      });
    },

    /** The key's operator, or null for an unknown or revoked key. Marks when it was last used. */
    async authenticate(key: string): Promise<ApiKeyPrincipal | null> {
      if (!key.startsWith(API_KEY_PREFIX) || key.length > 100) return null;
      const [row] = await db
        .update(operatorApiKeys)
        .set({ lastUsedAt: clock.now() })
        .where(and(eq(operatorApiKeys.keyHash, hashKey(key)), isNull(operatorApiKeys.revokedAt)))
        .returning({ keyId: operatorApiKeys.id, operatorId: operatorApiKeys.operatorId, name: operatorApiKeys.name });
      return row ?? null;
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
