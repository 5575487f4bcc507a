/**
 * What a database failure means for the caller, decided in one place for both
 * drivers (postgres.js and PGlite) and whatever wraps their errors (drizzle's
 * DrizzleQueryError keeps the driver's error as `cause`).
 */

/** postgres.js connection failures (its own codes and Node's socket errors). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_ENDED",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** The driver's error under any wrappers, and each wrapper on the way. */
function* chain(err: unknown): Generator<{ code?: unknown; message?: unknown }> {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    yield e as { code?: unknown; message?: unknown };
  }
}

/**
 * The database cannot be reached or is shutting down: it says nothing about the
 * request, which will work again later (503 over HTTP; no ack over MQTT).
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (const e of chain(err)) {
    const code = typeof e.code === "string" ? e.code : "";
    // 08: connection exception; 57P01–57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
    if (CONNECTION_CODES.has(code) || code.startsWith("08") || /^57P0[1-3]$/.test(code) || code === "53300") return true;
    if (typeof e.message === "string" && e.message.includes("PGlite is closed")) return true;
  }
  return false;
}

/**
 * The database refused this data itself and always will — SQLSTATE class 22
 * (data exception: a NUL byte, an out-of-range date or number) or 23 (an
 * integrity constraint). Anything else (missing table, lock timeout, outage)
 * may pass on a retry.
 */
export function isDataRefused(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.code === "string" && /^2[23][0-9A-Z]{3}$/.test(e.code)) return true;
  }
  return false;
}

/** The SQLSTATE of a refusal, for the ack and the log: never the values, which may be personal. */
export function sqlState(err: unknown): string | null {
  for (const e of chain(err)) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return null;
}

/** A unique index refused the row (SQLSTATE 23505), optionally a named one. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (const e of chain(err)) {
    if (e.code !== "23505") continue;
    const named = (e as { constraint?: unknown; constraint_name?: unknown }).constraint ?? (e as { constraint_name?: unknown }).constraint_name;
    return !constraint || named === undefined || named === constraint || String(e.message).includes(constraint);
  }
  return false;
}
