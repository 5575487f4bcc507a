import { signPass } from "../../../protocol/codes.ts";
import type { AppDeps } from "../context.ts";
import { AppError, tooManyRequests } from "../errors.ts";
import { invalidPhone } from "../otp/otp.service.ts";
import { normalisePhone } from "../persons/phone.ts";
import type { PersonsRepository } from "../persons/persons.repository.ts";
import { createRateLimits, type Limit } from "../rate-limit.ts";

/** Passes a single client address may issue per window; staff issuing for passengers at a desk are not limited. */
export const PASS_LIMIT: Limit = { bucket: "pass", limit: 10, windowMs: 10 * 60_000 };

/**
 * Personal passes (DESIGN §5): an Ed25519-signed token carrying only the
 * person id, so an onboard scanner verifies it offline and a lost card
 * reveals no phone or name.
 */
export function createPassIssuer(deps: AppDeps, persons: PersonsRepository) {
  const limits = createRateLimits(deps);

  const signFor = (personId: string) =>
    signPass(deps.keys.passSigning, { personId, issuedAt: Math.floor(deps.clock.now().getTime() / 1000) });

  return {
    signFor,

    /**
     * A pass for a phone: to staff at a desk (who see the passenger), or to a
     * device that proved this very phone with a one-time code. Anyone else
     * gets phone_unverified: a pass is the phone's person, and the name on
     * it is theirs to set.
     */
    async issue(input: { phone: string; name: string }, client: { address: string; staff: boolean; devicePersonId: string | null }) {
      if (!client.staff) {
        const verdict = await limits.take({ limit: PASS_LIMIT, key: client.address });
        if (!verdict.allowed) {
          throw tooManyRequests("Too many passes from this address; try again in a few minutes, or ask staff at a service desk", verdict.retryAfterSeconds);
        }
      }
      const phone = normalisePhone(input.phone);
      if (!phone) throw invalidPhone();
      if (!client.staff && !(client.devicePersonId && (await persons.hasPhone(client.devicePersonId, phone)))) {
        throw new AppError(403, "phone_unverified", "Verify this phone on this device first (POST /otp, then POST /otp/verify); a pass is only issued for your own verified phone");
      }
      const person = await persons.findOrCreate({ phone, name: input.name });
      deps.logger.info({ personId: person.id, byStaff: client.staff }, "personal pass issued");
      return { personId: person.id, pass: signFor(person.id) };
    },
  };
}

export type PassIssuer = ReturnType<typeof createPassIssuer>;
