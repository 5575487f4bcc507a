import { generateKeyPairSync, randomUUID } from "node:crypto";
import net from "node:net";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import jsQRModule from "jsqr";
import { chromium } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkinMessage, positionMessage, signPass, tripMessage } from "../../protocol/index.ts";
import { startBroker, startCuttableLink, startFakeIngest, until } from "../test/broker.ts";
import { createAgent, type Agent } from "./agent.ts";
import { parseAgentArgs, type AgentConfig } from "./config.ts";
import type { Log } from "./log.ts";

/** Where the browser tests keep their screenshots (gitignored), beside the console's. */
const SHOTS = path.resolve(import.meta.dirname, "../../test-results/console");

// jsqr is CommonJS with an ES-style default export; under NodeNext the function sits on .default.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default;

/** A CSV track of `n` fixes one second apart. */
function csvTrack(dir: string, n: number, name = "track.csv"): string {
  const file = path.join(dir, name);
  const rows = Array.from({ length: n }, (_, i) => `${1_700_000_000 + i},${(30.2 + i / 10_000).toFixed(6)},-97.7`);
  writeFileSync(file, `ts,lat,lon\n${rows.join("\n")}\n`);
  return file;
}

function capturingLog() {
  const lines: string[] = [];
  const log: Log = { info: (m) => lines.push(m), warn: (m) => lines.push(`! ${m}`), say: (m) => lines.push(m) };
  return { log, lines };
}

describe("vehicle agent over MQTT", () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let ingest: Awaited<ReturnType<typeof startFakeIngest>>;
  let dir: string;
  const running: Agent[] = [];

  beforeAll(async () => {
    broker = await startBroker();
    ingest = await startFakeIngest(broker.url, broker.prefix);
    dir = mkdtempSync(path.join(tmpdir(), "agent-test-"));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    ingest.state.autoAck = true;
  });
  afterAll(async () => {
    await ingest.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function agentWith(extra: string[], url = broker.url) {
    const vehicle = randomUUID();
    const config = parseAgentArgs([
      ...["--url", url, "--vehicle", vehicle, "--password", "pw", "--topic-prefix", broker.prefix],
      ...["--outbox", path.join(dir, `${vehicle}.sqlite`), "--http-port", "0", "--no-terminal-qr", "--reconnect-min", "0.05", "--reconnect-max", "0.2"],
      ...extra,
    ]) as AgentConfig;
    const { log, lines } = capturingLog();
    const agent = await createAgent(config, log);
    running.push(agent);
    await agent.start();
    if (url === broker.url) await until(() => agent.state().online, "agent online");
    return { agent, vehicle, lines, http: (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${agent.httpPort}${p}`, init) };
  }

  const positionsOf = (vehicle: string) => ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "position").map((r) => positionMessage.parse(r.json));

  it("keeps every fix on disk until the server's ack names it, then deletes it", async () => {
    ingest.state.autoAck = false;
    const { agent, vehicle } = await agentWith(["--replay", csvTrack(dir, 5), "--speed", "1000"]);
    await until(() => ingest.fixes.get(vehicle)?.size === 5, "five fixes sent");
    expect(agent.outbox.pendingFixes()).toBe(5);
    const messages = positionsOf(vehicle);
    const [firstMessage] = messages;
    await ingest.ack(vehicle, { seqs: [firstMessage!.seq!] });
    const carried = "points" in firstMessage! ? firstMessage.points.length : 1;
    await until(() => agent.outbox.pendingFixes() === 5 - carried, "the acked message's fixes deleted");
    await ingest.ack(vehicle, { seqs: messages.map((m) => m.seq!) });
    await until(() => agent.outbox.size() === 0, "outbox empty after the full ack");
    expect(ingest.fixes.get(vehicle)!.size).toBe(5);
  });

  it("once stopped, takes no more fixes, passes or acks: a GPS source, a rider or the broker finishing late does not crash it", async () => {
    ingest.state.autoAck = false;
    const { agent, vehicle } = await agentWith([]);
    agent.reportFix({ ts: Date.now(), lat: 30.2, lon: -97.7 });
    await until(() => ingest.fixes.get(vehicle)?.size === 1, "the fix sent");
    await agent.stop();
    running.splice(running.indexOf(agent), 1);
    // The demo's timetable driver may report one more fix as its vehicle stops.
    expect(() => agent.reportFix({ ts: Date.now(), lat: 30.3, lon: -97.7 })).not.toThrow();
    // …and the demo's riders may still show a pass, or look at its state, as it stops.
    expect(agent.scan("P1.anything").outcome).toBe("stopped");
    expect(agent.state().outbox.pending).toBe(0);
  });

  it("backs off from a broker that accepts it and then drops it at once, instead of reconnecting as fast as it can", async () => {
    // A broker that answers every CONNECT with "accepted" and closes the socket: an overloaded one, or a refusal in all but name.
    const attempts: number[] = [];
    const server = net.createServer((socket) => {
      attempts.push(performance.now());
      socket.once("data", () => socket.end(Buffer.from([0x20, 0x02, 0x00, 0x00])));
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      await agentWith(["--mqtt-version", "4", "--reconnect-min", "0.05", "--reconnect-max", "0.4"], `mqtt://127.0.0.1:${port}`);
      await until(() => attempts.length >= 8 || undefined, "eight connections");
      // Reset at every CONNACK, the gaps would stay 25–50 ms; growing, from the fourth on they are 200–400 ms.
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      expect(Math.min(...gaps.slice(3, 7))).toBeGreaterThanOrEqual(190);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("sends a message again when the server has not acked it in time", async () => {
    ingest.state.autoAck = false;
    const { agent, vehicle } = await agentWith(["--ack-timeout", "0.3", "--route-id", "K51"]);
    agent.handleLine("start");
    const sends = () => ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "trip");
    await until(() => sends().length >= 2 || undefined, "the trip start sent a second time");
    expect(new Set(sends().map((r) => r.json.seq)).size).toBe(1);
    await ingest.ack(vehicle, { seqs: [sends()[0]!.json.seq as number] });
    await until(() => agent.outbox.size() === 0, "acked");
    expect(agent.state().sent.resent).toBeGreaterThan(0);
  });

  it("after an outage sends the newest fix first, then the backlog oldest first in batches of at most 500", async () => {
    const link = await startCuttableLink(broker.url);
    link.cut();
    try {
      const { agent, vehicle } = await agentWith(["--replay", csvTrack(dir, 1203, "long.csv"), "--speed", "100000"], link.url);
      await until(() => agent.outbox.pendingFixes() === 1203 || undefined, "1203 fixes stored while offline");
      expect(positionsOf(vehicle)).toEqual([]);
      link.restore();
      await until(() => agent.outbox.size() === 0 || undefined, "backlog drained and acked");
      const messages = positionsOf(vehicle);
      const newest = 1_700_000_000_000 + 1202 * 1000;
      const shift = (m: (typeof messages)[number]) => ("points" in m ? m.points : [m]).map((f) => f.ts);
      const all = messages.flatMap(shift);
      expect("points" in messages[0]!).toBe(false);
      expect(all[0]! - all.at(-1)!).toBeGreaterThan(0); // first sent is the newest, by the replay's shifted clock
      expect(messages.slice(1).every((m) => "points" in m && m.points.length <= 500)).toBe(true);
      const backlog = messages.slice(1).flatMap(shift);
      expect(backlog).toEqual([...backlog].sort((a, b) => a - b));
      expect(new Set(all).size).toBe(1203);
      expect(ingest.fixes.get(vehicle)!.size).toBe(1203);
      expect(all[0]! - backlog[0]!).toBe(newest - 1_700_000_000_000);
    } finally {
      await link.close();
    }
  });

  it("opens and closes trips from the keyboard and the touch-screen endpoint, with UUID v7 ids", async () => {
    const { agent, vehicle, http } = await agentWith(["--route-id", "K51", "--driver", "D-7"]);
    agent.handleLine("start K51 up");
    const started = await http("/trip/start", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderRef: "ORD-889" }) });
    expect(started.status).toBe(201);
    expect((await http("/trip/end", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(200);
    expect((await http("/trip/end", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(409);
    expect((await http("/trip/start", { method: "POST", body: "{}" })).status).toBe(415);
    const bad = await http("/trip/start", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ routeId: "x".repeat(65) }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_request");

    const trips = await until(() => {
      const t = ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "trip").map((r) => tripMessage.parse(r.json));
      return t.length >= 4 ? t : undefined;
    }, "four trip events");
    expect(trips.map((t) => t.event)).toEqual(["start", "end", "start", "end"]);
    const [first, firstEnd, second, secondEnd] = trips as [any, any, any, any]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(first).toMatchObject({ routeId: "K51", direction: "up", driverId: "D-7" });
    expect(second).toMatchObject({ orderRef: "ORD-889" });
    expect(firstEnd.tripId).toBe(first.tripId);
    expect(secondEnd.tripId).toBe(second.tripId);
    expect(first.tripId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect((await (await http("/state")).json()).trip).toBeNull();
  });

  it("verifies a pass offline: a genuine one is checked in, a forged one refused on the spot, a server refusal reported", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const keyFile = path.join(dir, "pass.pem");
    writeFileSync(keyFile, publicKey.export({ type: "spki", format: "pem" }));
    const { agent, vehicle, lines } = await agentWith(["--pass-public-key", keyFile]);
    const genuine = signPass(privateKey, { personId: randomUUID(), issuedAt: 1_764_000_000 });
    const forged = signPass(generateKeyPairSync("ed25519").privateKey, { personId: randomUUID(), issuedAt: 1_764_000_000 });

    expect(agent.scan(forged)).toEqual({ outcome: "refused", reason: "bad_signature" });
    expect(agent.scan("hello")).toMatchObject({ outcome: "refused" });
    const accepted = agent.scan(genuine);
    expect(accepted).toMatchObject({ outcome: "accepted", verified: true });
    expect(agent.scan(genuine)).toEqual({ outcome: "repeat" });
    expect(lines).toContain("✘ PASS REFUSED — not a genuine pass (signature does not verify)");

    const checkins = await until(() => {
      const c = ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "checkin");
      return c.length ? c : undefined;
    }, "the check-in");
    expect(checkins).toHaveLength(1);
    const message = checkinMessage.parse(checkins[0]!.json);
    expect(message.pass).toBe(genuine);
    expect(accepted.outcome === "accepted" && message.checkinId).toBe(accepted.outcome === "accepted" && accepted.checkinId);
    await until(() => agent.outbox.size() === 0, "check-in acked");

    // The server may still refuse a pass (revoked, say): the message leaves the outbox and the driver is told.
    const another = signPass(privateKey, { personId: randomUUID(), issuedAt: 1_764_000_001 });
    ingest.state.autoAck = false;
    agent.handleLine(another);
    const seq = await until(() => ingest.received.find((r) => r.vehicleId === vehicle && r.json.pass === another)?.json.seq as number | undefined, "second check-in");
    await ingest.ack(vehicle, { seqs: [], rejected: [{ seq, code: "pass_revoked", message: "this pass was revoked" }] });
    await until(() => agent.outbox.size() === 0, "refused check-in removed");
    expect(lines.some((l) => l.includes(`message #${seq} (pass_revoked)`))).toBe(true);
  });

  it("reads passes from a scanner that is a device file, and again after it is unplugged and back", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const keyFile = path.join(dir, "device-pass.pem");
    writeFileSync(keyFile, publicKey.export({ type: "spki", format: "pem" }));
    const device = path.join(dir, "ttyACM0");
    execFileSync("mkfifo", [device]); // a serial scanner: lines appear while it is plugged in
    const { agent, vehicle } = await agentWith(["--pass-public-key", keyFile, "--pass-device", device]);
    const passes = [0, 1].map(() => signPass(privateKey, { personId: randomUUID(), issuedAt: 1_764_000_000 }));
    const checkinsSoFar = () => ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "checkin").length;
    // Each write opens and closes the device, as a scanner plugged in, read, unplugged.
    await writeFile(device, `${passes[0]}\r\n`);
    await until(() => checkinsSoFar() === 1, "the first check-in");
    // Plug it in again only once the agent has seen it unplugged: a write while
    // the agent still held the old end would meet a reader about to close (EPIPE).
    await until(() => agent.state().scanner?.plugged === false || undefined, "the scanner seen unplugged");
    await writeFile(device, `${passes[1]}\n`);
    const checkins = await until(() => {
      const c = ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "checkin");
      return c.length === 2 ? c : undefined;
    }, "two check-ins from the device");
    expect(checkins.map((c) => c.json.pass)).toEqual(passes);
    expect(agent.state().scanner?.plugs).toBe(2);
  });

  it("shows the live code as a QR a phone can read, and the server's alerts", async () => {
    const { agent, vehicle, http } = await agentWith([]);
    const url = `http://transit.test/v/L1.${vehicle}.1764300000.abc`;
    await ingest.publish(vehicle, "display", { url, expiresAt: Date.now() + 60_000 }, true);
    const checkinId = randomUUID();
    await ingest.publish(vehicle, "alerts", { kind: "flagged_passenger", status: "case", checkinId, ts: Date.now() });
    await until(() => agent.state().display !== null && agent.state().alerts.length > 0, "display and alert");
    // Mosquitto offers MQTT 5 and the agent takes it; aedes 1.x does not, and the agent falls back to 3.1.1.
    expect(agent.state().mqttVersion).toBe(process.env.MQTT_URL ? "5" : "3.1.1");
    const res = await http("/qr.png");
    expect(res.headers.get("content-type")).toBe("image/png");
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(url);
    const state = await (await http("/state")).json();
    expect(state.alerts[0]).toMatchObject({ status: "case", checkinId });
    expect(await (await http("/")).text()).toContain("<title>");
    await ingest.publish(vehicle, "display", "", true); // clear the retained code
  });

  it("shows the server's count of passengers on board, never an older count over a newer one", async () => {
    const { agent, vehicle } = await agentWith([]);
    expect(agent.state().onBoard).toBeNull(); // no count from the server yet: the page shows "–"
    const url = `http://transit.test/v/L1.${vehicle}.1764300000.count`;
    const at = Date.now();
    await ingest.publish(vehicle, "display", { url, expiresAt: at + 60_000, onBoard: 7, onBoardAt: at }, true);
    await until(() => agent.state().onBoard?.count === 7 || undefined, "the count");
    // Another server process's count, made a moment earlier, arrives late: it is not shown.
    await ingest.publish(vehicle, "display", { url: `${url}2`, expiresAt: at + 60_000, onBoard: 5, onBoardAt: at - 1_000 }, true);
    await until(() => agent.state().display?.url === `${url}2` || undefined, "the later code");
    expect(agent.state().onBoard).toEqual({ count: 7, at });
    await ingest.publish(vehicle, "display", { url, expiresAt: at + 60_000, onBoard: 6, onBoardAt: at + 1_000 }, true);
    await until(() => agent.state().onBoard?.count === 6 || undefined, "the newer count");
    await ingest.publish(vehicle, "display", "", true);
  });

  it("records a real receiver's fixes from gpsd's JSON stream", async () => {
    const watched: string[] = [];
    const gpsd = net.createServer((socket) => {
      socket.setEncoding("utf8");
      socket.on("data", (d: string) => watched.push(d));
      socket.write('{"class":"VERSION","release":"3.22"}\n{"class":"DEVICES","devices":[]}\n');
      const t0 = Date.now() - 5000;
      for (let i = 0; i < 5; i++) {
        const time = new Date(t0 + i * 1000).toISOString();
        socket.write(`{"class":"TPV","mode":${i === 2 ? 1 : 3},"time":"${time}","lat":36.65${i},"lon":117.12,"speed":5.5,"track":90,"eph":3}\n`);
        socket.write('{"class":"SKY","satellites":[]}\n');
      }
    });
    await new Promise<void>((r) => gpsd.listen(0, "127.0.0.1", () => r()));
    try {
      const { vehicle } = await agentWith(["--gpsd", `127.0.0.1:${(gpsd.address() as net.AddressInfo).port}`]);
      const fixes = await until(() => (ingest.fixes.get(vehicle)?.size === 4 ? [...ingest.fixes.get(vehicle)!.values()] : undefined), "four fixes from gpsd");
      expect(watched.join("")).toContain('?WATCH={"enable":true,"json":true}');
      // The report without a fix (mode 1) is skipped.
      expect(fixes.map((f) => (f as { lat: number }).lat).sort()).toEqual([36.65, 36.651, 36.653, 36.654]);
      expect(fixes[0]).toMatchObject({ speed: 5.5, heading: 90, accuracy: 3 });
    } finally {
      gpsd.close();
    }
  });

  it("gives the driver a tablet page with the live code, the trip buttons and alerts", async () => {
    const { vehicle, agent, http } = await agentWith(["--plate", "鲁A12345"]);
    const url = `http://transit.test/v/L1.${vehicle}.1764300000.tablet`;
    await ingest.publish(vehicle, "display", { url, expiresAt: Date.now() + 60_000 }, true);
    const alertId = randomUUID();
    await ingest.publish(vehicle, "alerts", { kind: "flagged_passenger", status: "close_contact", checkinId: alertId, ts: Date.now(), maskedName: "张**", seat: "12A" });
    await until(() => agent.state().display !== null && agent.state().alerts.length > 0, "display and alert");
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${agent.httpPort}/`);
      await page.locator("#plate", { hasText: "鲁A12345" }).waitFor();
      await page.locator("#qr img").waitFor();
      const shot = PNG.sync.read(await page.locator("#qr").screenshot());
      expect(jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height)?.data).toBe(url);
      await page.locator(".alert.close_contact").waitFor();
      // The alert names whom to look for, masked, with the seat and time; never the check-in's id.
      const alertText = await page.locator(".alert.close_contact").textContent();
      expect(alertText).toMatch(/密接 Close contact — 张\*\* · 座位 seat 12A · \d\d:\d\d/);
      expect(alertText).not.toContain(alertId);
      expect(await page.locator("#clock").textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
      // The alert sits beside the code, not over it.
      const qrBox = (await page.locator("#qr").boundingBox())!;
      const alertBox = (await page.locator(".alert").boundingBox())!;
      expect(alertBox.x >= qrBox.x + qrBox.width || alertBox.y >= qrBox.y + qrBox.height).toBe(true);
      mkdirSync(SHOTS, { recursive: true });
      for (const [name, viewport] of Object.entries({ laptop: { width: 1366, height: 768 }, tablet: { width: 768, height: 1024 }, phone: { width: 390, height: 844 } })) {
        await page.setViewportSize(viewport);
        await page.screenshot({ path: path.join(SHOTS, `driver-${name}-zh-CN.png`) });
      }
      await page.setViewportSize({ width: 1366, height: 768 });
      // An alert stays the same node while others come (a redrawn one would be read out again by a screen reader), newest first.
      await page.locator(".alert.close_contact").evaluate((el) => el.setAttribute("data-seen", "yes"));
      await ingest.publish(vehicle, "alerts", { kind: "flagged_passenger", status: "case", checkinId: randomUUID(), ts: Date.now(), maskedName: "李*", seat: "3C" });
      await page.locator(".alert.case").waitFor();
      expect(await page.locator(".alert").evaluateAll((els) => els.map((e) => [e.className, e.getAttribute("data-seen")]))).toEqual([
        ["alert case", null],
        ["alert close_contact", "yes"],
      ]);
      // One touch each acknowledges them.
      await page.locator(".alert.close_contact").getByRole("button", { name: "知道了 OK" }).click();
      await page.locator(".alert.case").getByRole("button", { name: "知道了 OK" }).click();
      await until(() => agent.state().alerts.length === 0, "alerts acknowledged");
      await page.locator(".alert").waitFor({ state: "detached" });
      // A pass result, coloured, in both languages, gone after a few seconds.
      await http("/pass", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ pass: "not a pass at all" }) });
      await page.locator("#scan.refused", { hasText: "✘ 无效乘车卡 Pass refused" }).waitFor();
      await page.locator("#scan.refused").waitFor({ state: "detached", timeout: 15_000 });
      await page.fill("input[name=routeId]", "K51");
      await page.fill("input[name=direction]", "down");
      await page.click("#start button");
      await page.locator("#trip", { hasText: "K51 down" }).waitFor();
      await page.click("#end button");
      await page.locator("#trip", { hasText: "未发车 No open trip" }).waitFor();
    } finally {
      await browser.close();
    }
    const trips = () => ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "trip").map((r) => r.json);
    await until(() => trips().length === 2, "trip start and end");
    expect(trips()).toMatchObject([{ event: "start", routeId: "K51", direction: "down" }, { event: "end" }]);
    expect((await (await http("/state")).json()).trip).toBeNull();
    await ingest.publish(vehicle, "display", "", true);
  });

  it("announces itself online (retained) and the broker reports it offline when the link dies", async () => {
    const link = await startCuttableLink(broker.url);
    try {
      const { vehicle } = await agentWith(["--mqtt-version", "4", "--reconnect-min", "30"], link.url);
      const statuses = () => ingest.received.filter((r) => r.vehicleId === vehicle && r.channel === "status").map((r) => r.json);
      await until(() => statuses().length > 0, "online status");
      expect(statuses()[0]).toMatchObject({ online: true, agentVersion: expect.stringContaining("agent") });
      link.cut();
      await until(() => statuses().some((s) => s.online === false), "Last Will");
    } finally {
      await link.close();
    }
  });
});
