import { eq, inArray, sql, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { Keys } from "../crypto/keys.ts";
import { decrypt, encrypt, lookupHash } from "../crypto/personal-data.ts";
import { rowsOf, type Db } from "../db/client.ts";
import { preparedRunner, rowOf } from "../db/prepared.ts";
import { persons } from "../db/schema/index.ts";
import { effectiveStatus, effectiveStatusSql } from "./status.ts";
import { maskName } from "./phone.ts";

export type HealthStatus = "clear" | "close_contact" | "case";
export type StatusColour = "green" | "yellow" | "red";

export const statusColour = (s: HealthStatus): StatusColour => (s === "case" ? "red" : s === "close_contact" ? "yellow" : "green");

/** A person as the check-in path needs them: no personal data, only who and how they are. */
export interface PersonRef {
  id: string;
  status: HealthStatus;
  statusSetAt: Date | null;
}

/**
 * The lookup key of a companion who has no phone: stable for the same main
 * passenger and companion name, so a grandmother checked in by her grandson
 * every day stays one person. The "companion:" prefix can never collide with
 * an E.164 number.
 */
export function companionKey(mainPersonId: string, companionName: string): string {
  return `companion:${mainPersonId}:${companionName.trim().toLocaleLowerCase()}`;
}

interface RefRow {
  id: string;
  status: HealthStatus;
  status_set_at: Date | string | null;
}

export const toRef = (r: RefRow): PersonRef => ({ id: r.id, status: r.status, statusSetAt: r.status_set_at === null ? null : new Date(r.status_set_at) });

/**
 * Who a check-in is, as a part of its one statement (checkins.recordScan):
 * SQL over values (a placeholder each when the statement is compiled, see
 * db/prepared.ts compiledStatement), this scan's values, and the shape: the
 * SQL text is the same for every part of a shape.
 */
export interface WhoPart {
  shape: string;
  values: Record<string, unknown>;
  /** A statement returning (id, status, status_set_at), touching no one unless `allowed` (a boolean SQL expression) holds. */
  sql: (values: Record<string, unknown>, allowed: SQL) => SQL;
}

export function createPersonsRepository({ db, keys, clock }: { db: Db; keys: Keys; clock: Clock }) {
  // Every remembered passenger's page reads them: prepared, parsed and planned once per connection.
  const prepared = preparedRunner(db);
  const toPerson = rowOf(persons);
  const refColumns = () => ({ id: persons.id, status: sql<HealthStatus>`${effectiveStatusSql("persons", clock.now())}`, statusSetAt: persons.statusSetAt });

  /**
   * findOrCreate as a part of the check-in's statement, returning (id,
   * status, status_set_at). `allowed`, a boolean SQL expression, guards it:
   * when false the statement touches no one and returns no row (a check-in
   * over its rate limit).
   */
  function upsertPart(input: { phone: string; name?: string | null; hasPhone?: boolean; keepName?: boolean }): WhoPart {
    const name = input.keepName ? sql`persons.name_enc` : sql`coalesce(excluded.name_enc, persons.name_enc)`;
    return {
      shape: input.keepName ? "upsert, name kept" : "upsert",
      values: {
        id: uuidv7(),
        phoneHash: lookupHash(keys.phoneHash, input.phone),
        // A companion without a phone has none to store; the key itself is not personal data worth keeping.
        phoneEnc: encrypt(keys.personalData, input.hasPhone === false ? "" : input.phone),
        nameEnc: input.name ? encrypt(keys.personalData, input.name) : null,
        now: clock.now().toISOString(),
      },
      sql: (v, allowed) => sql`
        insert into persons (id, phone_hash, phone_enc, name_enc, created_at, last_seen_at)
        select ${v.id}::uuid, ${v.phoneHash}::text, ${v.phoneEnc}::text, ${v.nameEnc}::text, ${v.now}::timestamptz, ${v.now}::timestamptz
         where ${allowed}
        on conflict (phone_hash) do update set last_seen_at = excluded.last_seen_at, name_enc = ${name}
        returning id, ${effectiveStatusSql("persons", v.now)} as status, status_set_at`,
    };
  }

  function revealed(raw: Record<string, unknown>) {
    const row = toPerson(raw);
    const phone = decrypt(keys.personalData, row.phoneEnc);
    const now = effectiveStatus(row, clock.now());
    return {
      id: row.id,
      status: now.status,
      statusSetAt: now.since,
      statusExpiresAt: now.expiresAt,
      phone: phone || null,
      name: row.nameEnc ? decrypt(keys.personalData, row.nameEnc) : null,
      phoneVerifiedAt: row.phoneVerifiedAt,
    };
  }

  return {
    upsertPart,

    /**
     * The person with this phone (E.164) or companion key, created on first
     * sight. One upsert, so two scans racing each other still make one person.
     * A given name replaces the stored one (people fix typos); a missing one
     * keeps it, and so does `keepName` (a claim nobody has proved must not
     * rename the phone's owner: the name is only set on first sight).
     */
    async findOrCreate(input: { phone: string; name?: string | null; hasPhone?: boolean; keepName?: boolean }): Promise<PersonRef> {
      const part = upsertPart(input);
      const [row] = rowsOf<RefRow>(await db.execute(part.sql(part.values, sql`true`)));
      return toRef(row!);
    },

    /**
     * The device's verified person typing their own phone again, as a part
     * of the same shape as upsertPart: seen now, and renamed when a name is
     * given. No row when `phone` is not theirs (someone else's phone typed
     * on this device), nor when they were erased.
     */
    ownPhonePart(id: string, phone: string, name?: string | null): WhoPart {
      return {
        shape: "own phone",
        values: { id, phoneHash: lookupHash(keys.phoneHash, phone), nameEnc: name ? encrypt(keys.personalData, name) : null, now: clock.now().toISOString() },
        sql: (v, allowed) => sql`
          update persons set last_seen_at = ${v.now}::timestamptz, name_enc = coalesce(${v.nameEnc}::text, name_enc)
           where id = ${v.id}::uuid and phone_hash = ${v.phoneHash}::text and ${allowed}
          returning id, ${effectiveStatusSql("persons", v.now)} as status, status_set_at`,
      };
    },

    /** The person remembered by a device, as a part of the same shape as upsertPart. */
    byIdPart(id: string): WhoPart {
      return {
        shape: "by id",
        values: { id, now: clock.now().toISOString() },
        sql: (v, allowed) => sql`select id, ${effectiveStatusSql("persons", v.now)} as status, status_set_at from persons where id = ${v.id}::uuid and ${allowed}`,
      };
    },

    /** Whether `phone` (E.164) is the phone of person `id`: a verified device typing its own number again. */
    async hasPhone(id: string, phone: string): Promise<boolean> {
      const [row] = await db.select({ phoneHash: persons.phoneHash }).from(persons).where(eq(persons.id, id));
      return row?.phoneHash === lookupHash(keys.phoneHash, phone);
    },

    /** Marks the phone as proved by its owner now (a one-time code was right). */
    async markVerified(id: string): Promise<void> {
      await db.update(persons).set({ phoneVerifiedAt: clock.now() }).where(eq(persons.id, id));
    },

    async ref(id: string): Promise<PersonRef | null> {
      const [row] = await db.select(refColumns()).from(persons).where(eq(persons.id, id));
      return row ?? null;
    },

    /** Names as staff lists show them ("张**"): the first character only, for each of these people that gave one. */
    async maskedNames(ids: string[]): Promise<Map<string, string>> {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return new Map();
      const rows = await db.select({ id: persons.id, nameEnc: persons.nameEnc }).from(persons).where(inArray(persons.id, unique));
      return new Map(rows.flatMap((r) => (r.nameEnc ? [[r.id, maskName(decrypt(keys.personalData, r.nameEnc))] as [string, string]] : [])));
    },

    /** The person with their phone and name decrypted: only for the person themselves (their device) or tracers. */
    async reveal(id: string) {
      const [raw] = await prepared<Record<string, unknown>>(db.select().from(persons).where(eq(persons.id, id)).getSQL());
      return raw ? revealed(raw) : null;
    },

    /** A persons row as the driver gave it (every column, by its SQL name), decrypted as reveal gives it. */
    revealed,
  };
}

export type PersonsRepository = ReturnType<typeof createPersonsRepository>;
