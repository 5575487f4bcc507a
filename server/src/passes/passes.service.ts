import { signPass } from "../../../protocol/codes.ts";
import type { AppDeps } from "../context.ts";
import { badRequest, tooManyRequests } from "../errors.ts";
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

    async issue(input: { phone: string; name: string }, client: { address: string; staff: boolean }) {
      if (!client.staff) {
        const verdict = await limits.take({ limit: PASS_LIMIT, key: client.address });
        if (!verdict.allowed) {
          throw tooManyRequests("Too many passes from this address; try again in a few minutes, or ask staff at a service desk", verdict.retryAfterSeconds);
        }
      }
      const phone = normalisePhone(input.phone);
      if (!phone) throw badRequest("invalid_phone", "phone: not a phone number we can use; give a Chinese mobile (13812345678) or an E.164 number (+44…)");
      const person = await persons.findOrCreate({ phone, name: input.name });
      deps.logger.info({ personId: person.id, byStaff: client.staff }, "personal pass issued");
      return { personId: person.id, pass: signFor(person.id) };
    },
  };
}

export type PassIssuer = ReturnType<typeof createPassIssuer>;
