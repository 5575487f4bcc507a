import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { AppDeps } from "../context.ts";
import { decrypt } from "../crypto/personal-data.ts";
import { persons } from "../db/schema/index.ts";
import type { HealthStatus } from "../persons/persons.repository.ts";

/** What a close contact is told (both languages: we do not know which the passenger reads). */
export const CLOSE_CONTACT_TEXT =
  "【乘车登记】您被判定为密切接触者：请立即停止乘坐公共交通，居家并联系当地疾控中心（12320）。" +
  " Ride check-in: you are a close contact. Stop using public transport, stay home and call your local CDC (12320).";

/**
 * Telling contacts (issue 11 part 8): when tracers mark persons close
 * contacts, each one whose phone is verified (proved by its owner with a
 * one-time code, so the text reaches the person who rode) gets a text through
 * the configured gateway, when TELL_CONTACTS=on. Unverified phones are not
 * texted: the number may be a stranger's typing. The texts go out after the
 * answer (a trace may mark thousands); one that fails is logged, the marking
 * stands. Flagged passengers' drivers are alerted at check-in, as before.
 */
export async function tellCloseContacts(deps: AppDeps, change: { personIds: string[]; status: HealthStatus }): Promise<void> {
  if (!deps.config.tellContacts || change.status !== "close_contact" || change.personIds.length === 0) return;
  const rows = await deps.db
    .select({ id: persons.id, phoneEnc: persons.phoneEnc })
    .from(persons)
    .where(and(inArray(persons.id, change.personIds), eq(persons.status, "close_contact"), isNotNull(persons.phoneVerifiedAt)));
  void (async () => {
    for (const row of rows) {
      try {
        const phone = decrypt(deps.keys.personalData, row.phoneEnc);
        if (phone) await deps.sms.sendSms(phone, CLOSE_CONTACT_TEXT);
      } catch (err) {
        deps.logger.warn({ err, personId: row.id }, "could not text a close contact");
      }
    }
    deps.logger.info({ texted: rows.length, marked: change.personIds.length }, "close contacts told by text");
  })();
}
