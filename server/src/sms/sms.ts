import type { Logger } from "pino";
import type { SmsConfig } from "../config.ts";
import { createHttpGateway } from "./http.gateway.ts";
import { createSink, type SmsSink } from "./sink.ts";
import { createSmppGateway } from "./smpp.gateway.ts";

/** One way of getting a text to a phone (E.164). Throws when the gateway refused or could not be reached. */
export interface SmsGateway {
  send(phone: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one way the server sends a text (DESIGN §9): other features call
 * `sms.sendSms(phone, text)`, never a gateway, so the deployment picks the
 * gateway (SMS_GATEWAY) without any feature knowing which.
 */
export interface Sms {
  sendSms(phone: string, text: string): Promise<void>;
  /** The development sink's messages, when SMS_GATEWAY=sink (the /dev/sms page); null otherwise. */
  sink: SmsSink | null;
  close(): Promise<void>;
}

export function createSms(config: SmsConfig, logger: Logger): Sms {
  const sink = config.gateway === "sink" ? createSink(logger) : null;
  const gateway: SmsGateway =
    config.gateway === "smpp" ? createSmppGateway(config, logger) : config.gateway === "http" ? createHttpGateway(config) : sink!;
  return {
    sink,
    async sendSms(phone, text) {
      await gateway.send(phone, text);
    },
    close: () => gateway.close(),
  };
}
