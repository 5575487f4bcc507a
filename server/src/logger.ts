import pino, { type Logger } from "pino";

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
  "*.phone",
  "*.name",
  "*.password",
  "*.token",
  "*.pass",
  "req.headers.authorization",
  "req.headers.cookie",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactedPaths, censor: "[redacted]" } }, destination);
}
