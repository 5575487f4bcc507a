import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import * as smpp from "smpp";
import { afterAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../test/harness.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { createSink } from "./sink.ts";
import { createSms } from "./sms.ts";

const silent = pino({ level: "silent" });

/** A real SMPP centre, in-process on a free port: accepts one system_id/password and records every submit_sm. */
async function smsCentre() {
  const submits: smpp.PDU[] = [];
  const binds: smpp.PDU[] = [];
  const server = smpp.createServer((session) => {
    session.on("bind_transmitter", (pdu: smpp.PDU) => {
      binds.push(pdu);
      const ok = pdu.system_id === "transit" && pdu.password === "s3cret";
      session.send(pdu.response(ok ? {} : { command_status: smpp.ESME_RBINDFAIL }));
    });
    session.on("submit_sm", (pdu: smpp.PDU) => {
      submits.push(pdu);
      session.send(pdu.response({ message_id: String(submits.length) }));
    });
    session.on("enquire_link", (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on("unbind", (pdu: smpp.PDU) => session.send(pdu.response()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { port, submits, binds, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The text a submit_sm carries, from short_message or the message_payload TLV, as the centre decoded it. */
const textOf = (pdu: smpp.PDU) => {
  const field = (pdu.message_payload ?? pdu.short_message) as { message?: string } | string;
  return typeof field === "string" ? field : field.message;
};

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe("the SMPP 3.4 gateway", () => {
  it("binds as a transmitter and submits Chinese texts as UCS2, English ones in the default alphabet, to the international number", async () => {
    const centre = await smsCentre();
    closers.push(centre.close);
    const config = loadConfig({ SMS_GATEWAY: "smpp", SMPP_URL: `smpp://transit:s3cret@127.0.0.1:${centre.port}`, SMS_SENDER: "10690001" });
    const sms = createSms(config.sms, silent);
    closers.push(() => sms.close());

    await sms.sendSms("+8613812345678", "【乘车登记】验证码 123456，5分钟内有效。");
    await sms.sendSms("+447700900123", "Ride check-in: your code is 654321");
    const long = "【乘车登记】您被判定为密切接触者：请立即停止乘坐公共交通，居家并联系当地疾控中心（12320）。请按要求进行核酸检测和健康监测，谢谢配合。";
    await sms.sendSms("+8613812345678", long);

    expect(centre.binds).toHaveLength(1); // one session for all three
    const [zh, en, longer] = centre.submits as [smpp.PDU, smpp.PDU, smpp.PDU];
    expect(zh).toMatchObject({ destination_addr: "8613812345678", dest_addr_ton: 1, dest_addr_npi: 1, data_coding: 8, source_addr: "10690001" });
    expect(textOf(zh)).toBe("【乘车登记】验证码 123456，5分钟内有效。");
    expect(en).toMatchObject({ destination_addr: "447700900123", data_coding: 0 });
    expect(textOf(en)).toBe("Ride check-in: your code is 654321");
    expect(longer.data_coding).toBe(8);
    expect(textOf(longer)).toBe(long);
  });

  it("fails the text when the centre refuses the bind", async () => {
    const centre = await smsCentre();
    closers.push(centre.close);
    const sms = createSms(loadConfig({ SMS_GATEWAY: "smpp", SMPP_HOST: "127.0.0.1", SMPP_PORT: String(centre.port), SMPP_SYSTEM_ID: "transit", SMPP_PASSWORD: "wrong" }).sms, silent);
    closers.push(() => sms.close());
    await expect(sms.sendSms("+8613812345678", "x")).rejects.toThrow(/bind refused/);
  });
});

describe("the HTTP provider gateway", () => {
  it("posts JSON with the key as a bearer token, and sends a passenger's code through it", async () => {
    const received: { auth: string | undefined; body: { to: string; from: string; text: string } }[] = [];
    let answer = 200;
    const provider = createServer((req: IncomingMessage, res) => {
      let raw = "";
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(raw) });
        res.writeHead(answer, { "content-type": "application/json" }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((r) => provider.close(r)));
    const url = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/sms`;

    const t = await createTestApp({ env: { SMS_GATEWAY: "http", SMS_HTTP_URL: url, SMS_HTTP_KEY: "key-123", SMS_SENDER: "Transit" } });
    closers.push(() => t.close());
    const sent = await t.call("POST", "/api/v1/otp", { phone: "13812345678" });
    expect(sent.status).toBe(202);
    expect(received).toHaveLength(1);
    expect(received[0]!.auth).toBe("Bearer key-123");
    expect(received[0]!.body).toMatchObject({ to: "+8613812345678", from: "Transit" });
    expect(received[0]!.body.text).toMatch(/验证码 \d{6}/);

    // No sink on a real gateway: the development page is not there.
    expect((await t.call("GET", "/dev/sms")).status).toBe(404);
    expect((await t.call("GET", "/dev/sms.json")).status).toBe(404);

    // A provider that refuses: the passenger is told to try again (503), never a 500.
    answer = 500;
    const refused = await t.call("POST", "/api/v1/otp", { phone: "13812345679" });
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe("sms_unavailable");
  }, 240_000);
});

describe("the development sink", () => {
  it("keeps texts for /dev/sms and logs them with the phone masked", async () => {
    const lines: string[] = [];
    const sink = createSink(pino({ level: "info" }, { write: (line: string) => void lines.push(line) }));
    await sink.send("+8613812340000", "验证码 123456");
    expect(sink.messages("+8613812340000")).toEqual([{ phone: "+8613812340000", text: "验证码 123456", at: expect.any(String) }]);
    expect(sink.messages("+8613800000000")).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("138****0000");
    expect(lines[0]).not.toContain("13812340000");
  });
});

describe("SMS configuration", () => {
  it("names what a chosen gateway is missing", () => {
    expect(() => loadConfig({ SMS_GATEWAY: "smpp" })).toThrow(ConfigError);
    expect(() => loadConfig({ SMS_GATEWAY: "smpp" })).toThrow(/SMPP_URL or SMPP_HOST/);
    expect(() => loadConfig({ SMS_GATEWAY: "http", SMS_HTTP_URL: "https://sms.example/send" })).toThrow(/SMS_HTTP_KEY: required when SMS_GATEWAY=http/);
    expect(() => loadConfig({ SMS_GATEWAY: "carrier-pigeon" })).toThrow(/SMS_GATEWAY: must be sink, smpp or http/);
    expect(() => loadConfig({ SMPP_URL: "http://x" })).toThrow(/SMPP_URL/);
    expect(loadConfig({}).sms).toEqual({ gateway: "sink", sender: "TransitCheckin" });
    expect(loadConfig({ SMS_GATEWAY: "smpp", SMPP_URL: "smpp://id:pw@centre.example:2776" }).sms).toEqual({
      gateway: "smpp",
      sender: "TransitCheckin",
      url: "smpp://centre.example:2776",
      systemId: "id",
      password: "pw",
    });
    expect(loadConfig({ TELL_CONTACTS: "off" }).tellContacts).toBe(false);
  });
});
