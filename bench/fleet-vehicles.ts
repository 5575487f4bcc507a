/**
 * One process of `npm run bench:fleet`'s simulated fleet (forked by
 * bench/fleet.bench.ts): its share of the vehicles as raw MQTT.js clients —
 * no outbox, no GPS source, no display, so that thousands fit in one process.
 * Each vehicle, as the agent does on the wire (DESIGN §4):
 *
 * - logs in with its own id and password, client id containing the id, a
 *   persistent session (clean: false) and a Last Will `{"online":false}`
 *   (retained) on its status topic, from its own loopback source address
 *   (127.0.1.x: MQTT.js has no localAddress option, so the socket is built here);
 * - subscribes to its ack, display and alerts at QoS 1 and says `{"online":true}` (retained);
 * - opens a trip, sends one fix (QoS 1, with `seq`) every interval, ends the
 *   trip and opens the next every few minutes;
 * - at the end, ends its trip and disconnects — except one in a hundred, whose
 *   socket is cut so that the broker sends its Last Will.
 *
 * The fix's `ts` is its send time, so the row's received_at − ts is the fix-to-row latency.
 */
import net from "node:net";
import { MqttClient } from "mqtt";
import { v7 as uuidv7 } from "uuid";

export interface FleetJob {
  host: string;
  /** The broker's port, or a cluster's nodes': vehicle i dials ports[i % length] (and the others after a failure). */
  ports: number[];
  prefix: string;
  vehicleIds: string[];
  password: string;
  /** Loopback source addresses to spread the vehicles over. */
  sourceAddresses: string[];
  intervalMs: number;
  holdSeconds: number;
  /** Connects in flight at once (a fleet does not all dial in the same millisecond). */
  connectConcurrency: number;
  /**
   * QoS of fixes and trip events, and of the ack and display subscriptions (alerts stay QoS 1). 1 as the
   * agent does; 0 to see a broker without its QoS 1 store (NATS keeps every QoS 1 message in JetStream).
   */
  qos: 0 | 1;
}

export interface FleetReport {
  connected: number;
  connectMs: number;
  connectFailures: number;
  fixesSent: number;
  /** Fixes the broker confirmed (PUBACK): these must all become rows. */
  fixesAcked: number;
  tripEvents: number;
  /** Trips opened (a start event each): each must become one row of trips. */
  tripsOpened: number;
  serverAcks: number;
  reconnects: number;
  willsTriggered: number;
  cpuMs: number;
  rssMb: number;
}

type Msg = { kind: "start"; job: FleetJob } | { kind: "stop" } | { kind: "leave" };

const topic = (prefix: string, id: string, channel: string) => `${prefix}transit/v1/vehicles/${id}/${channel}`;

function run(job: FleetJob) {
  const report: FleetReport = { connected: 0, connectMs: 0, connectFailures: 0, fixesSent: 0, fixesAcked: 0, tripEvents: 0, tripsOpened: 0, serverAcks: 0, reconnects: 0, willsTriggered: 0, cpuMs: 0, rssMb: 0 };
  type Vehicle = { id: string; client: MqttClient; timer?: NodeJS.Timeout; tripId: string | null; seq: number; tripEndsAt: number; lat: number; lon: number };
  const vehicles: Vehicle[] = [];
  let stopping = false;
  const t0 = Date.now();
  let next = 0;
  let inFlight = 0;

  const sendTrip = (v: Vehicle, event: "start" | "end") => {
    const tripId = event === "start" ? uuidv7() : v.tripId!;
    const body = event === "start" ? { event, tripId, ts: Date.now(), routeId: "K51", seq: ++v.seq } : { event, tripId, ts: Date.now(), seq: ++v.seq };
    v.tripId = event === "start" ? tripId : null;
    v.tripEndsAt = Date.now() + (3 + Math.random() * 5) * 60_000;
    report.tripEvents++;
    if (event === "start") report.tripsOpened++;
    v.client.publish(topic(job.prefix, v.id, "trip"), JSON.stringify(body), { qos: job.qos });
  };

  const sendFix = (v: Vehicle) => {
    if (stopping || !v.client.connected) return;
    if (v.tripId && Date.now() > v.tripEndsAt) {
      sendTrip(v, "end");
      sendTrip(v, "start");
    }
    // A slow drive north-east: about 8 m/s, well inside the GPS quality rules.
    v.lat += 0.0007;
    v.lon += 0.0004;
    const fix = { ts: Date.now(), lat: v.lat, lon: v.lon, speed: 8, heading: 30, accuracy: 5, seq: ++v.seq };
    report.fixesSent++;
    v.client.publish(topic(job.prefix, v.id, "position"), JSON.stringify(fix), { qos: job.qos }, (err) => {
      if (!err) report.fixesAcked++;
    });
  };

  const dial = () => {
    while (inFlight < job.connectConcurrency && next < job.vehicleIds.length) {
      const i = next++;
      const id = job.vehicleIds[i]!;
      const localAddress = job.sourceAddresses[i % job.sourceAddresses.length];
      inFlight++;
      // Its own node first, then the next ones in turn after a lost connection, as the agent's --url list does.
      let attempt = 0;
      const portFor = () => job.ports[(i + attempt++) % job.ports.length]!;
      const client = new MqttClient(() => net.createConnection({ host: job.host, port: portFor(), localAddress }), {
        clientId: `fleet-${id}`,
        username: id,
        password: job.password,
        protocolVersion: 4,
        clean: false,
        keepalive: 60,
        reconnectPeriod: 2_000 + Math.floor(Math.random() * 3_000),
        connectTimeout: 60_000,
        will: { topic: topic(job.prefix, id, "status"), payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
      });
      const v: Vehicle = { id, client, tripId: null as string | null, seq: 0, tripEndsAt: 0, lat: 36.6 + Math.random() * 0.1, lon: 117.0 + Math.random() * 0.1 };
      vehicles.push(v);
      let first = true;
      client.on("connect", () => {
        if (!first) {
          report.reconnects++;
          return;
        }
        first = false;
        inFlight--;
        report.connected++;
        if (report.connected === job.vehicleIds.length) report.connectMs = Date.now() - t0;
        client.publish(topic(job.prefix, id, "status"), JSON.stringify({ online: true, agentVersion: "bench-fleet" }), { qos: 1, retain: true });
        // As the agent: ack, display and alerts, on every connect (it covers a broker that lost the session).
        client.subscribe({ [topic(job.prefix, id, "ack")]: { qos: job.qos }, [topic(job.prefix, id, "display")]: { qos: job.qos }, [topic(job.prefix, id, "alerts")]: { qos: 1 } });
        sendTrip(v, "start");
        // Spread the first fixes over one interval, so the fleet offers a steady rate.
        setTimeout(() => {
          sendFix(v);
          v.timer = setInterval(() => sendFix(v), job.intervalMs);
        }, Math.random() * job.intervalMs);
        dial();
      });
      client.on("message", (t) => {
        if (t.endsWith("/ack")) report.serverAcks++;
      });
      client.on("error", () => {
        if (first) report.connectFailures++;
      });
    }
  };
  dial();

  return {
    report: () => ({ ...report, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, rssMb: process.memoryUsage.rss() / 2 ** 20 }),
    /** Stops sending and waits (up to 60 s) for the broker to confirm everything sent. */
    async stop() {
      stopping = true;
      for (const v of vehicles) clearInterval(v.timer);
      const end = Date.now() + 60_000;
      while (report.fixesAcked < report.fixesSent && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    },
    async leave() {
      let k = 0;
      await Promise.all(
        vehicles.map(async (v) => {
          if (!v.client.connected) return v.client.end(true);
          if (k++ % 100 === 0) {
            // A vehicle that loses power: no DISCONNECT, so the broker publishes its Last Will.
            report.willsTriggered++;
            v.client.options.reconnectPeriod = 0;
            v.client.stream.destroy();
            v.client.end(true);
            return;
          }
          if (v.tripId) sendTrip(v, "end");
          v.client.publish(topic(job.prefix, v.id, "status"), '{"online":false}', { qos: 1, retain: true });
          await v.client.endAsync().catch(() => {});
        }),
      );
    },
  };
}

let fleet: ReturnType<typeof run> | null = null;
process.on("message", (m: Msg) => {
  if (m.kind === "start") {
    fleet = run(m.job);
    const timer = setInterval(() => process.send!({ kind: "progress", report: fleet!.report() }), 1_000);
    timer.unref();
  } else if (m.kind === "stop") {
    void fleet!.stop().then(() => process.send!({ kind: "stopped", report: fleet!.report() }));
  } else if (m.kind === "leave") {
    void fleet!.leave().then(() => {
      process.send!({ kind: "left", report: fleet!.report() });
      setTimeout(() => process.exit(0), 200);
    });
  }
});
