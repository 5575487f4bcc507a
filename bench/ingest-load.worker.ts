/**
 * The load generator of bench/ingest.bench.ts, in a worker thread so that the
 * publishing "fleet" does not share an event loop with the server it measures.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import mqtt, { type MqttClient } from "mqtt";
import { vehicleTopic, type AckMessage } from "../protocol/index.ts";

export type LoadJob =
  | { kind: "raw"; url: string; count: number; window: number }
  | { kind: "single"; url: string; prefix: string; ids: string[]; count: number; window: number; startTs: number }
  | { kind: "batched"; url: string; prefix: string; ids: string[]; count: number; perMessage: number; window: number; startTs: number }
  | { kind: "rate"; url: string; prefix: string; ids: string[]; rate: number; seconds: number; startTs: number };

export interface LoadResult {
  seconds: number;
  latenciesMs?: number[];
  /** CPU time this thread spent on the job (not on booting the worker). */
  cpuMs?: number;
}

/** This thread's CPU time (ms) from /proc: utime + stime in 100 Hz ticks. */
function threadCpuMs(): number {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

const job = workerData as LoadJob;

function fixes(startTs: number) {
  let ts = startTs;
  return () => ({ ts: (ts += 10), lat: 30.2672 + Math.random() / 1e5, lon: -97.7431 + Math.random() / 1e5, speed: 8.3, heading: 270, accuracy: 5 });
}

/** Up to `window` QoS 1 publishes awaiting the broker's PUBACK. */
function publishWindowed(client: MqttClient, count: number, window: number, next: (i: number) => [string, string]) {
  let inFlight = 0;
  let done = 0;
  let i = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (inFlight < window && i < count) {
        const [topic, payload] = next(i++);
        inFlight++;
        client.publish(topic, payload, { qos: 1 }, (err) => {
          if (err) return reject(err);
          inFlight--;
          if (++done === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

async function run(): Promise<LoadResult> {
  const client = await mqtt.connectAsync(job.url, { clientId: `bench-load-${randomUUID()}` });
  if (job.kind === "batched" || job.kind === "rate") await client.subscribeAsync(`${job.prefix}/transit/v1/vehicles/+/ack`, { qos: 1 });
  // Every measured rate publishes messages made before the clock starts, so that none of them
  // counts the load generator's own JSON work (a real fleet is 200 other machines, and (d)
  // builds its COPY lines before its clock too).
  const topic = (i: number) => (job.kind === "raw" ? `rate/${i % 200}` : vehicleTopic(job.prefix, job.ids[i % job.ids.length]!, "position"));
  const fix = job.kind === "raw" ? null : fixes(job.startTs);
  const messages: [string, string][] =
    job.kind === "raw"
      ? Array.from({ length: job.count }, (_, i) => [topic(i), "x".repeat(150)])
      : job.kind === "single"
        ? Array.from({ length: job.count }, (_, i) => [topic(i), JSON.stringify({ ...fix!(), seq: i })])
        : job.kind === "batched"
          ? Array.from({ length: job.count }, (_, i) => [topic(i), JSON.stringify({ points: Array.from({ length: job.perMessage }, fix!), seq: i })])
          : [];
  parentPort!.postMessage({ started: true }); // the clock starts now, not at the worker's boot
  const t0 = performance.now();
  cpu0 = threadCpuMs();
  try {
    if (job.kind === "raw" || job.kind === "single") {
      await publishWindowed(client, job.count, job.window, (i) => messages[i]!);
      return { seconds: (performance.now() - t0) / 1000 };
    }
    if (job.kind === "batched") {
      // As agents do: at most `window` messages the server has not acked.
      let sent = 0;
      let acked = 0;
      await new Promise<void>((resolve) => {
        const send = () => {
          while (sent < job.count && sent - acked < job.window) {
            const [t, payload] = messages[sent++]!;
            client.publish(t, payload, { qos: 1 });
          }
        };
        client.on("message", (_t, payload) => {
          acked += (JSON.parse(payload.toString()) as AckMessage).seqs.length;
          if (acked >= job.count) resolve();
          else send();
        });
        send();
      });
      return { seconds: (performance.now() - t0) / 1000 };
    }
    // rate: publish at a steady rate, time each fix from publish to its ack (sent after the commit).
    // Each fix's ts is its send time on the wall clock (kept unique per vehicle), so the
    // database can tell fix-to-row latency itself: received_at - ts.
    const lastTs = new Map<string, number>();
    const wallFix = (i: number) => {
      const id = job.ids[i % job.ids.length]!;
      const ts = Math.max(Date.now(), (lastTs.get(id) ?? 0) + 1);
      lastTs.set(id, ts);
      return { ...fix!(), ts };
    };
    const sentAt = new Map<number, number>();
    const latenciesMs: number[] = [];
    const total = job.rate * job.seconds;
    client.on("message", (_t, payload) => {
      const now = performance.now();
      for (const seq of (JSON.parse(payload.toString()) as AckMessage).seqs) {
        const at = sentAt.get(seq);
        if (at !== undefined) latenciesMs.push(now - at);
      }
    });
    let i = 0;
    while (i < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * job.rate));
      for (; i < due; i++) {
        sentAt.set(i, performance.now());
        client.publish(topic(i), JSON.stringify({ ...wallFix(i), seq: i }), { qos: 1 });
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const deadline = Date.now() + 30_000;
    while (latenciesMs.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return { seconds: (performance.now() - t0) / 1000, latenciesMs };
  } finally {
    await client.endAsync();
  }
}

let cpu0 = NaN;
run().then(
  (result) => parentPort!.postMessage({ ok: true, result: { ...result, cpuMs: threadCpuMs() - cpu0 } }),
  (err: unknown) => parentPort!.postMessage({ ok: false, error: String(err) }),
);
