import * as smpp from "smpp";
import type { Logger } from "pino";
import type { SmsConfig } from "../config.ts";
import type { SmsGateway } from "./sms.ts";

/** data_coding (SMPP 3.4 §5.2.19): the SMSC default alphabet (GSM 03.38), or UCS2 for anything else (Chinese). */
const DATA_CODING = { gsm: 0x00, ucs2: 0x08 } as const;
/** What fits in one short_message: 160 GSM characters or 70 UCS2 ones; longer texts go in the message_payload TLV. */
const SINGLE = { gsm: 160, ucs2: 70 } as const;
/** An SMSC that does not answer a bind or a submit by then is down for this text. */
const ANSWER_MS = 10_000;

/**
 * An SMPP 3.4 client (SMS_GATEWAY=smpp) over the `smpp` package: the
 * protocol SMS centres and aggregators speak. Binds as a transmitter on first
 * use and keeps the session (enquire_link keeps it open); a dropped session is
 * bound again on the next text.
 */
export function createSmppGateway(config: Extract<SmsConfig, { gateway: "smpp" }>, logger: Logger): SmsGateway {
  let bound: Promise<smpp.Session> | null = null;

  function bind(): Promise<smpp.Session> {
    return new Promise((resolve, reject) => {
      const session = smpp.connect({ url: config.url, auto_enquire_link_period: 30_000 });
      const timer = setTimeout(() => fail(new Error(`SMPP centre ${config.url} did not answer the bind within ${ANSWER_MS / 1000} s`)), ANSWER_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        bound = null;
        session.destroy();
        reject(err);
      };
      session.on("error", (err: Error) => {
        logger.warn({ err: err.message }, "SMPP session error");
        fail(err);
      });
      session.on("close", () => (bound = null));
      session.on("connect", () => {
        session.bind_transmitter({ system_id: config.systemId, password: config.password, system_type: "", interface_version: 0x34 }, (pdu) => {
          clearTimeout(timer);
          if (pdu.command_status !== 0) return fail(new Error(`SMPP bind refused (command_status ${pdu.command_status})`));
          resolve(session);
        });
      });
    });
  }

  function submit(session: smpp.Session, fields: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`SMPP centre did not answer submit_sm within ${ANSWER_MS / 1000} s`)), ANSWER_MS);
      session.submit_sm(fields, (pdu) => {
        clearTimeout(timer);
        if (pdu.command_status === 0) resolve();
        else reject(new Error(`SMPP submit_sm refused (command_status ${pdu.command_status})`));
      });
    });
  }

  return {
    async send(phone, text) {
      bound ??= bind();
      const session = await bound;
      const alphabet = smpp.encodings.ASCII.match(text) ? "gsm" : "ucs2";
      const long = [...text].length > SINGLE[alphabet];
      // An alphanumeric sender id is TON 5; digits are an international number (TON 1).
      const numericSender = /^\+?\d+$/.test(config.sender);
      await submit(session, {
        source_addr_ton: numericSender ? 1 : 5,
        source_addr_npi: numericSender ? 1 : 0,
        source_addr: config.sender.replace(/^\+/, ""),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: phone.replace(/^\+/, ""),
        data_coding: DATA_CODING[alphabet],
        registered_delivery: 0,
        ...(long ? { short_message: "", message_payload: text } : { short_message: text }),
      });
    },
    async close() {
      const pending = bound;
      bound = null;
      if (!pending) return;
      const session = await pending.catch(() => null);
      session?.close();
    },
  };
}
