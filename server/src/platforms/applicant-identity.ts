import type { Context } from "hono";
import type { AppDeps } from "../context.ts";

/**
 * The two points where a vehicle application meets the identity feature
 * (issue 11: one-time codes by SMS, the verified device cookie, sendSms).
 * Everything else in applications depends only on these two functions.
 */

/**
 * The applicant's verified phone, or null. Until the identity feature lands
 * there is no proof of a phone in this branch, so nobody is verified and
 * every application is refused (403 phone_not_verified) — never a stand-in
 * that would accept a typed number.
 */
export async function verifiedApplicant(_c: Context, _deps: AppDeps): Promise<{ personId: string; phone: string } | null> {
  return null;
}

/** Tells the applicant by SMS (their page link, a decision). Without a gateway yet, the log says what was not sent. */
export async function tellApplicant(deps: AppDeps, _phone: string, what: string, _text: string): Promise<void> {
  deps.logger.warn({ what }, "no SMS gateway in this build: the applicant was not texted");
}
