import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type { AppDeps } from "../context.ts";
import { lookupHash } from "../crypto/personal-data.ts";
import { AppError, badRequest, gone, tooManyRequests } from "../errors.ts";
import { normalisePhone } from "../persons/phone.ts";
import type { PersonRef, PersonsRepository } from "../persons/persons.repository.ts";
import { createRateLimits, type Limit } from "../rate-limit.ts";
import type { OtpRepository } from "./otp.repository.ts";
import type { CheckinsRepository } from "../checkins/checkins.repository.ts";

/** A code is good for 5 minutes and 5 tries (DESIGN §5); then the passenger asks for a new one. */
export const OTP_TTL_MS = 5 * 60_000;
export const OTP_ATTEMPTS = 5;

/**
 * Codes sent, per phone, per device and per client address: each text costs
 * money and lands on someone's phone, so a script must not make us send many
 * (to one victim, or to a list). Per phone is the tightest: a passenger who
 * mistyped asks again once or twice.
 */
export const OTP_PHONE_LIMIT: Limit = { bucket: "otp-phone", limit: 5, windowMs: 60 * 60_000 };
export const OTP_DEVICE_LIMIT: Limit = { bucket: "otp-device", limit: 10, windowMs: 60 * 60_000 };
export const OTP_ADDRESS_LIMIT: Limit = { bucket: "otp-address", limit: 60, windowMs: 10 * 60_000 };

export type SmsLang = "zh" | "en";

const codeText: Record<SmsLang, (code: string) => string> = {
  zh: (code) => `【乘车登记】验证码 ${code}，5分钟内有效。请勿告诉他人。`,
  en: (code) => `Ride check-in: your code is ${code}, valid for 5 minutes. Do not share it.`,
};

export const invalidPhone = (field = "phone") =>
  badRequest("invalid_phone", `${field}: not a phone number we can use; give a Chinese mobile (13812345678) or an E.164 number (+44…)`);

/**
 * Proof of phone ownership (issue 11 part 1): a random 6-digit code sent by
 * SMS, stored only as an HMAC under a key derived from DATA_KEY (a database
 * dump shows no codes), compared in constant time.
 */
export function createOtpService(deps: AppDeps, repos: { otp: OtpRepository; persons: PersonsRepository; checkins: CheckinsRepository }) {
  const limits = createRateLimits(deps);
  const phoneHashOf = (e164: string) => lookupHash(deps.keys.phoneHash, e164);
  const hashCode = (phoneHash: string, code: string) => createHmac("sha256", deps.keys.phoneCode).update(`${phoneHash}:${code}`).digest();

  return {
    async send(input: { phone: string; lang: SmsLang }, client: { address: string; device: string }): Promise<{ expiresAt: Date }> {
      const phone = normalisePhone(input.phone);
      if (!phone) throw invalidPhone();
      const phoneHash = phoneHashOf(phone);
      const verdict = await limits.take(
        { limit: OTP_PHONE_LIMIT, key: phoneHash },
        { limit: OTP_DEVICE_LIMIT, key: client.device },
        { limit: OTP_ADDRESS_LIMIT, key: client.address },
      );
      if (!verdict.allowed) throw tooManyRequests("Too many codes asked for; wait a little, then ask again", verdict.retryAfterSeconds);
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      const now = deps.clock.now();
      const expiresAt = new Date(now.getTime() + OTP_TTL_MS);
      await repos.otp.put({ phoneHash, codeHash: hashCode(phoneHash, code).toString("base64url"), expiresAt, now });
      try {
        await deps.sms.sendSms(phone, codeText[input.lang](code));
      } catch (err) {
        deps.logger.error({ err }, "could not send a one-time code");
        throw new AppError(503, "sms_unavailable", "We could not send the text just now; try again in a minute");
      }
      return { expiresAt };
    },

    /**
     * The person whose phone this is, once the code is right: created on
     * first sight, given `name` when one is sent (it is their own now), and
     * marked verified. `checkinId`, the scan this device just made with the
     * phone typed, becomes a verified ride of theirs.
     */
    async verify(input: { phone: string; code: string; name?: string; checkinId?: string }): Promise<{ person: PersonRef; promoted: boolean }> {
      const phone = normalisePhone(input.phone);
      if (!phone) throw invalidPhone();
      const phoneHash = phoneHashOf(phone);
      const now = deps.clock.now();
      const spent = await repos.otp.spendAttempt(phoneHash, OTP_ATTEMPTS, now);
      if (!spent) {
        const row = await repos.otp.get(phoneHash);
        if (row && row.expiresAt > now && row.attempts >= OTP_ATTEMPTS) {
          throw gone("otp_exhausted", "Too many wrong codes: this one no longer works. Ask for a new code");
        }
        throw gone("otp_expired", "This code has expired or was never sent; ask for a new code");
      }
      const given = hashCode(phoneHash, input.code);
      const stored = Buffer.from(spent.codeHash, "base64url");
      if (stored.length !== given.length || !timingSafeEqual(stored, given)) {
        const attemptsLeft = OTP_ATTEMPTS - spent.attempts;
        if (attemptsLeft === 0) throw gone("otp_exhausted", "Too many wrong codes: this one no longer works. Ask for a new code");
        throw badRequest("otp_wrong", `That is not the code we sent; ${attemptsLeft} ${attemptsLeft === 1 ? "try" : "tries"} left`, { attemptsLeft });
      }
      if (!(await repos.otp.consume(phoneHash, spent.codeHash))) throw gone("otp_expired", "This code was just used; ask for a new code");
      const person = await repos.persons.findOrCreate({ phone, name: input.name });
      await repos.persons.markVerified(person.id);
      const promoted = input.checkinId ? await repos.checkins.promote(input.checkinId, person.id, now) : false;
      deps.logger.info({ personId: person.id, promoted }, "phone verified on a device");
      return { person, promoted };
    },
  };
}

export type OtpService = ReturnType<typeof createOtpService>;
