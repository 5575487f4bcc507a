import path from "node:path";
import { alertMessage, displayMessage, positionFix, type PositionFix, type ServerChannel } from "../../protocol/index.ts";
import type { AgentConfig } from "./config.ts";
import { createDriverServer } from "./display/web.ts";
import { createScreen, describeAlert, terminalQr } from "./display/screen.ts";
import { runGpsd } from "./gps/gpsd.ts";
import { loadTrack } from "./gps/load.ts";
import { runReplay } from "./gps/replay.ts";
import { parsePolyline, runSimulation } from "./gps/simulate.ts";
import { createMqttLink } from "./link/mqtt-link.ts";
import { createSender } from "./link/sender.ts";
import { clockTime, type Log } from "./log.ts";
import { openOutbox } from "./outbox/outbox.ts";
import { createPassReader, describeScan, readPassDevice, type ScanResult, type ScannerState } from "./passes/pass-reader.ts";
import { createPublicKeyStore } from "./passes/public-key.ts";
import { parseCommand, COMMAND_HELP } from "./trips/commands.ts";
import { createTrips, type TripDetails } from "./trips/trips.ts";

export const AGENT_VERSION = "transit-agent/0.1.0";

const PASS_KEY_REFRESH_MS = 6 * 3_600_000;

/**
 * The agent's composition root: opens the outbox, the MQTT link and its
 * sender, the trip and pass handling, the driver's screens and one GPS
 * source, and wires them. main.ts only parses flags and handles signals.
 */
export async function createAgent(config: AgentConfig, log: Log) {
  const outbox = openOutbox(config.outbox);
  const abort = new AbortController();
  /** Set by stop() as the outbox shuts: nothing may read or write it after. */
  let closed = false;
  const screen = createScreen();
  let lastFix: PositionFix | null = null;
  let lastScan: { text: string; at: number; result: ScanResult } | null = null;
  // With no GPS source there is nothing to finish; a live source (gpsd, simulation) never finishes.
  let sourceDone = [config.replay, config.gpsd, config.simulate].every((v) => v === undefined);
  const doneWaiters: (() => void)[] = [];

  const sender = createSender({
    outbox,
    publish: (m) => link.publish(m.channel, m.payload),
    window: config.window,
    ackTimeoutMs: config.ackTimeout * 1000,
    log,
  });
  /** Sends what the outbox holds, while it is open. */
  const pump = () => {
    if (!closed) sender.pump();
  };
  const link = createMqttLink(
    {
      url: config.url,
      vehicleId: config.vehicle,
      password: config.password,
      topicPrefix: config.topicPrefix,
      keepalive: config.keepalive,
      version: config.mqttVersion,
      agentVersion: AGENT_VERSION,
      reconnectMinMs: config.reconnectMin * 1000,
      reconnectMaxMs: config.reconnectMax * 1000,
      log,
    },
    {
      onConnect: () => sender.connected(),
      onDisconnect: () => sender.disconnected(),
      // An ack can still arrive while the link closes; once the outbox is shut, it is sent again next start instead.
      onMessage: (channel, payload) => {
        if (!closed) void onServerMessage(channel, payload);
      },
    },
  );

  async function onServerMessage(channel: ServerChannel, payload: Buffer) {
    if (channel === "ack") {
      sender.ack(payload);
      checkDone();
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      return log.warn(`ignored a ${channel} message that is not JSON`);
    }
    if (channel === "display") {
      const parsed = displayMessage.safeParse(json);
      if (!parsed.success) return log.warn("ignored a malformed live code");
      if (screen.setDisplay(parsed.data) && config.terminalQr && !config.quiet) {
        log.say(`\nLive code (valid until ${clockTime(parsed.data.expiresAt)}):\n${await terminalQr(parsed.data.url)}${parsed.data.url}\n`);
      }
    } else if (channel === "alerts") {
      const parsed = alertMessage.safeParse(json);
      if (!parsed.success) return log.warn("ignored a malformed alert");
      screen.addAlert(parsed.data);
      log.say(describeAlert(parsed.data));
    }
  }

  const trips = createTrips({
    outbox,
    defaults: { ...(config.routeId ? { routeId: config.routeId } : {}), ...(config.driver ? { driverId: config.driver } : {}) },
    onChange: () => pump(),
  });

  const keys = createPublicKeyStore({
    cacheFile: path.join(path.dirname(config.outbox), "pass-public-key.pem"),
    explicitFile: config.passPublicKey,
    server: config.server,
    log,
  });
  const scanPass = createPassReader({ outbox, keys, afterStore: () => pump() });

  function scan(line: string): ScanResult {
    const result: ScanResult = closed ? { outcome: "stopped" } : scanPass(line);
    const text = describeScan(result);
    lastScan = { text, at: Date.now(), result };
    log.say(text);
    return result;
  }

  /** Validates and stores one fix; a fix the protocol would refuse is dropped here, with a word. */
  function record(fix: PositionFix): boolean {
    if (closed) return false;
    const parsed = positionFix.safeParse(fix);
    if (!parsed.success) {
      log.warn(`dropped a fix the protocol refuses: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
      return false;
    }
    outbox.add("position", parsed.data);
    lastFix = parsed.data;
    return true;
  }

  function recordLive(fix: PositionFix) {
    if (record(fix)) pump();
  }

  let scanner: ScannerState | null = null;

  function state() {
    return {
      vehicleId: config.vehicle,
      plate: config.plate ?? null,
      online: link.connected,
      mqttVersion: link.connected ? (link.protocolVersion === 5 ? "5" : "3.1.1") : null,
      trip: trips.current(),
      lastFix,
      // Once stopped the outbox is shut: what it held is on disk for the next start, not countable here.
      outbox: closed ? { pending: 0, fixes: 0, inFlight: 0 } : { pending: outbox.size(), fixes: outbox.pendingFixes(), inFlight: sender.inFlight() },
      sent: sender.stats(),
      display: screen.display(),
      onBoard: screen.onBoard(),
      alerts: screen.alerts(),
      lastScan,
      scanner: scanner ? { ...scanner } : null,
      passKey: keys.get() !== null,
      rssMb: Math.round(process.memoryUsage.rss() / 104_857.6) / 10,
    };
  }

  function checkDone() {
    if (sourceDone && outbox.size() === 0) doneWaiters.splice(0).forEach((w) => w());
  }

  function handleLine(line: string) {
    const command = parseCommand(line);
    switch (command.kind) {
      case "pass":
        scan(command.token);
        break;
      case "start": {
        try {
          const trip = trips.start(command.details);
          log.say(`Trip started: ${[trip.routeId, trip.direction, trip.orderRef].filter(Boolean).join(" ") || "(no route)"} — ${trip.tripId}`);
        } catch (err) {
          log.say(`Could not start the trip: ${(err as Error).message}`);
        }
        break;
      }
      case "end": {
        const ended = trips.end();
        log.say(ended ? `Trip ended: ${ended.tripId}` : "No trip is open.");
        break;
      }
      case "status":
        log.say(JSON.stringify(state(), null, 2));
        break;
      case "help":
        log.say(COMMAND_HELP);
        break;
      case "unknown":
        log.say(`Unknown command "${command.text}". Type "help".`);
        break;
      case "empty":
        break;
    }
  }

  const web = config.httpPort >= 0 ? createDriverServer({ state, startTrip: (d: TripDetails) => trips.start(d), endTrip: () => trips.end(), scan, qrPng: () => screen.qrPng(), ackAlert: (id) => screen.ackAlert(id) }) : null;
  let httpPort: number | null = null;
  let keyTimer: NodeJS.Timeout | null = null;

  async function startSource() {
    const intervalMs = config.interval * 1000;
    if (config.replay) {
      const points = await loadTrack(config.replay, { format: config.replayFormat, vehicleFilter: config.vehicleFilter, intervalMs });
      log.info(`replaying ${points.length} fixes from ${config.replay}${config.vehicleFilter ? ` (vehicle ${config.vehicleFilter})` : ""} at ${config.speed}× speed`);
      void runReplay({
        points,
        source: `${path.resolve(config.replay)}#${config.vehicleFilter ?? ""}`,
        speed: config.speed,
        keepTime: config.keepTime,
        ...(config.replayShift !== undefined ? { shift: config.replayShift } : {}),
        loop: config.loop,
        again: config.replayAgain,
        outbox,
        trips,
        record: (fix) => void record(fix),
        afterRecord: () => pump(),
        signal: abort.signal,
      })
        .then((outcome) => {
          if (outcome === "stopped") return;
          if (outcome === "already-done") log.warn(`${config.replay} was already replayed completely by this agent; pass --replay-again to send it again`);
          else log.info("replay finished");
          sourceDone = true;
          checkDone();
        })
        .catch((err: Error) => log.warn(`replay stopped: ${err.message}`));
    } else if (config.gpsd !== undefined) {
      runGpsd({ address: config.gpsd, intervalMs, onFix: recordLive, log, signal: abort.signal });
    } else if (config.simulate) {
      const route = parsePolyline(config.simulate);
      if (!route) throw new Error(`--simulate: give a route as "lat,lon;lat,lon;…" (at least two points)`);
      runSimulation({ route, speed: config.simulateSpeed, intervalMs, onFix: recordLive, signal: abort.signal });
    }
  }

  return {
    outbox,
    trips,
    state,
    handleLine,
    scan,
    /** A fix from a GPS source outside the agent (the demo's timetable driver): stored and sent as gpsd's would be. */
    reportFix: recordLive,
    get httpPort() {
      return httpPort;
    },
    async start(): Promise<void> {
      if (web) httpPort = await web.listen(config.httpPort);
      void keys.refresh();
      keyTimer = setInterval(() => void keys.refresh(), PASS_KEY_REFRESH_MS);
      keyTimer.unref();
      link.start();
      const pumping = setInterval(pump, 1000);
      pumping.unref();
      abort.signal.addEventListener("abort", () => clearInterval(pumping), { once: true });
      if (config.passDevice) scanner = readPassDevice(config.passDevice, scan, log, abort.signal);
      await startSource();
    },
    /** Resolves once the GPS source has ended (a replay) and the server has acked everything. */
    whenDone(): Promise<void> {
      return new Promise((resolve) => {
        doneWaiters.push(resolve);
        checkDone();
      });
    },
    async stop(): Promise<void> {
      abort.abort();
      if (keyTimer) clearInterval(keyTimer);
      await link.stop();
      await web?.close();
      closed = true;
      outbox.close();
    },
  };
}

export type Agent = Awaited<ReturnType<typeof createAgent>>;
