import type { Logger } from "pino";
import { maskPhone } from "../persons/phone.ts";
import type { SmsGateway } from "./sms.ts";

export interface SinkMessage {
  phone: string;
  text: string;
  at: string;
}

/** Kept in memory: enough for a developer to read the latest codes, never a store of phones. */
const KEEP = 100;

/**
 * The development gateway (SMS_GATEWAY=sink, the default): nothing leaves the
 * machine. Each text is logged with the phone masked (logs are kept and
 * shipped; the full number is personal data) and kept in memory for the
 * /dev/sms page, where a developer reads the code they were sent.
 */
export function createSink(logger: Logger, now: () => Date = () => new Date()) {
  const messages: SinkMessage[] = [];
  return {
    async send(phone: string, text: string) {
      messages.unshift({ phone, text, at: now().toISOString() });
      messages.length = Math.min(messages.length, KEEP);
      logger.info({ phone: maskPhone(phone), text }, "sms sink: text not sent (SMS_GATEWAY=sink); read it at /dev/sms");
    },
    /** Newest first; only those to `phone` (E.164) when given. */
    messages(phone?: string): SinkMessage[] {
      return phone ? messages.filter((m) => m.phone === phone) : [...messages];
    },
    async close() {},
  } satisfies SmsGateway & Record<string, unknown>;
}

export type SmsSink = ReturnType<typeof createSink>;
