import type { SmsConfig } from "../config.ts";
import type { SmsGateway } from "./sms.ts";

/** A provider that has not answered by then is down for this text; the caller decides what that means. */
const TIMEOUT_MS = 10_000;

/**
 * An HTTP SMS provider (SMS_GATEWAY=http), in the generic JSON shape most
 * provider APIs and in-house SMS relays take (README "SMS"):
 *
 *   POST {SMS_HTTP_URL}
 *   Authorization: Bearer {SMS_HTTP_KEY}
 *   {"to": "+8613812345678", "from": "{SMS_SENDER}", "text": "…"}
 *
 * Any 2xx is accepted; anything else is an error carrying the status (the
 * response body is not logged: providers echo the number back).
 */
export function createHttpGateway(config: Extract<SmsConfig, { gateway: "http" }>): SmsGateway {
  return {
    async send(phone, text) {
      const res = await fetch(config.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${config.key}` },
        body: JSON.stringify({ to: phone, from: config.sender, text }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`SMS provider answered ${res.status}`);
    },
    async close() {},
  };
}
