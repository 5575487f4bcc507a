import type { Context } from "hono";
import type { AppDeps } from "../context.ts";
import { devicePersonId } from "../passenger/device.ts";
import { createPersonsRepository } from "../persons/persons.repository.ts";

/**
 * The two points where a vehicle application meets the identity feature
 * (one-time codes by SMS, the verified device cookie, sendSms). Everything
 * else in applications depends only on these two functions.
 */

/**
 * The applicant's verified phone, or null: the person this device proved a
 * phone for with a one-time code (the device cookie names only a verified
 * person). A typed number alone never counts.
 */
export async function verifiedApplicant(c: Context, deps: AppDeps): Promise<{ personId: string; phone: string } | null> {
  const id = await devicePersonId(c, deps.keys.cookie);
  if (!id) return null;
  const person = await createPersonsRepository(deps).reveal(id);
  return person?.phone ? { personId: person.id, phone: person.phone } : null;
}

/** Tells the applicant by SMS (their page link, a decision); a text that cannot go is logged, the application stands. */
export async function tellApplicant(deps: AppDeps, phone: string, what: string, text: string): Promise<void> {
  try {
    await deps.sms.sendSms(phone, text);
  } catch (err) {
    deps.logger.warn({ err, what }, "could not text the applicant");
  }
}
