import type { AppDeps } from "../context.ts";
import { createRateLimits, type Limit } from "../rate-limit.ts";

/**
 * Failed sign-ins allowed per username and per client address in a window:
 * a few typos are nothing, while guessing a password at 17 tries a second
 * (what an audit measured before this limit) stops after ten. Each attempt is
 * counted before the password is checked, so parallel guesses cannot all slip
 * through; a success gives its count back (and clears the username's), so an
 * office of tracers behind one address signing in each morning is never refused.
 */
export const LOGIN_LIMITS = {
  perUser: { bucket: "login-user", limit: 10, windowMs: 15 * 60_000 } satisfies Limit,
  perAddress: { bucket: "login-address", limit: 50, windowMs: 15 * 60_000 } satisfies Limit,
};

export function createLoginThrottle(deps: Pick<AppDeps, "db" | "clock">) {
  const limits = createRateLimits(deps);
  const checks = (username: string, address: string) => [
    { limit: LOGIN_LIMITS.perUser, key: username },
    { limit: LOGIN_LIMITS.perAddress, key: address },
  ];
  return {
    /** Counts an attempt of this username from this address, and says whether it may go ahead. */
    attempt: (username: string, address: string) => limits.take(...checks(username, address)),
    async succeeded(username: string, address: string) {
      await limits.clear(LOGIN_LIMITS.perUser, username);
      await limits.refund(LOGIN_LIMITS.perAddress, address);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
