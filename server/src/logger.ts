import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type Logger } from "pino";

/**
 * The request being served, if any: every line logged while serving it, by
 * any module through the one app logger, carries its id (X-Request-Id), so a
 * reported error can be matched to every line of its request.
 */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/**
 * Structured logs. Phone numbers, names, passwords and tokens must never reach
 * them: the redaction list catches the field names we use, and code logs ids,
 * not personal data.
 */
export const redactedPaths = [
  "phone",
  "name",
  "password",
  "token",
  "pass",
  "hash",
  "passwordHash",
  "tokenHash",
  "phoneHash",
  "path",
  "*.phone",
  "*.name",
  "*.password",
  "*.token",
  "*.pass",
  "*.hash",
  "*.passwordHash",
  "*.tokenHash",
  "*.phoneHash",
  "*.path",
  "req.headers.authorization",
  "req.headers.cookie",
];

/**
 * Fields of database errors that hold the values of the failed statement
 * (drizzle's `params`, postgres.js's `parameters`/`args`, PostgreSQL's
 * `detail` such as "Key (phone_hash)=(…) already exists"), or SQL that may
 * inline them: an agent's password hash or a person id must not reach a log
 * because an insert failed.
 */
const STATEMENT_FIELDS = ["query", "params", "parameters", "args", "types", "detail", "where"];

/** drizzle puts the statement and its values in the message too: "Failed query: …\nparams: …". */
const scrubText = (text: unknown) =>
  typeof text === "string" ? text.replace(/Failed query: [\s\S]*?\nparams: [\s\S]*?(?=\n\s+at |$)/, "Failed query (statement and values not logged)") : text;

function scrub(err: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { ...err };
  for (const field of STATEMENT_FIELDS) delete out[field];
  out.message = scrubText(out.message);
  out.stack = scrubText(out.stack);
  if (out.cause && typeof out.cause === "object" && depth < 5) out.cause = scrub(out.cause as Record<string, unknown>, depth + 1);
  return out;
}

/** pino's error serializer, minus the failed statement's SQL and values. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  return scrub(pino.stdSerializers.err(err) as unknown as Record<string, unknown>);
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redactedPaths, censor: "[redacted]" }, serializers: { err: serializeError }, mixin: () => requestScope.getStore() ?? {} },
    destination,
  );
}
