import { Agent, request } from "node:http";

/**
 * The load client of bench:checkin: keep-alive connections spread over many
 * loopback source addresses (127.0.1.1–127.0.4.250), as a city of phones
 * reaches the server from many addresses, so per-address limits count as
 * they would in the street. A thousand, not fewer: 2,000 typed-phone scans a
 * second are 1.2 million in the 10 minutes of the per-address limit (100),
 * from at least 12,000 phones in a city; from 250 addresses a quarter of
 * phase (b) was 429s after 10 s, and the rate counted them.
 */

export const SOURCE_ADDRESSES = Array.from({ length: 1_000 }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`);

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Shot {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One keep-alive agent per source address; the requests of a "phone" go through its address's agent. */
export function createClient(base: string) {
  const url = new URL(base);
  const agents = SOURCE_ADDRESSES.map((localAddress) => new Agent({ keepAlive: true, maxSockets: 4, localAddress }));

  /** Sends once more when a kept-alive socket turned out closed by the server (Node's documented race). */
  async function send(shot: Shot, from: number): Promise<Reply> {
    try {
      return await sendOnce(shot, from);
    } catch (err) {
      if ((err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET") return sendOnce(shot, from);
      throw err;
    }
  }

  function sendOnce(shot: Shot, from: number): Promise<Reply> {
    const payload = shot.body === undefined ? undefined : JSON.stringify(shot.body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: shot.method,
          path: shot.path,
          agent: agents[from % agents.length],
          headers: {
            // What a phone's browser sends with a same-site fetch.
            origin: base,
            "sec-fetch-site": "same-origin",
            ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
            ...shot.headers,
          },
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on("error", reject);
        },
      );
      req.on("error", (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(payload);
    });
  }

  return { send, close: () => agents.forEach((a) => a.destroy()) };
}

export interface PhaseResult {
  requests: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

/** What one run of the loops saw: every reply's time, and the status codes. */
interface Slice {
  latencies: number[];
  seconds: number;
  statuses: Record<string, number>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** Several slices of one phase as one result: their requests over their seconds, percentiles over all their replies. */
export function summarise(slices: Slice[]): PhaseResult {
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const s of slices) for (const [code, n] of Object.entries(s.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  return { requests: latencies.length, seconds, rate: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), statuses };
}

/**
 * Runs `concurrency` loops for `seconds`, each sending the shot `next(i)`
 * gives for its i-th request (from source address `i`), and times each reply.
 * `first` numbers the first request (a phase run in slices goes on counting).
 */
export async function runSlice(
  client: ReturnType<typeof createClient>,
  opts: { concurrency: number; seconds: number; first?: number },
  next: (i: number) => Shot,
  onReply: (i: number, reply: Reply) => void = () => {},
): Promise<Slice> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let counter = opts.first ?? 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = counter++;
        const t0 = performance.now();
        const reply = await client.send(next(i), i);
        latencies.push(performance.now() - t0);
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
        onReply(i, reply);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000, statuses };
}

/** runSlice, summarised. */
export async function runPhase(...args: Parameters<typeof runSlice>): Promise<PhaseResult> {
  return summarise([await runSlice(...args)]);
}

const cookieOf = (reply: Reply, name: string) => {
  const set = reply.headers["set-cookie"];
  return (Array.isArray(set) ? set : set ? [set] : []).find((c) => c.startsWith(`${name}=`))?.split(";")[0];
};

/**
 * Proves `count` new phones as their owners would, each from its own source
 * address: asks for a one-time code, reads it where the development SMS sink
 * shows it (/dev/sms.json), and sends it back; returns each phone with the
 * device cookie its proof set. 32 at a time.
 */
export async function provePhones(client: ReturnType<typeof createClient>, base: string, count: number, newPhone: () => string) {
  const proved: { phone: string; cookie: string }[] = [];
  let next = 0;
  const proveOne = async (from: number, phone = newPhone(), attempt = 1): Promise<void> => {
    const asked = await client.send({ method: "POST", path: "/api/v1/otp", body: { phone } }, from);
    if (asked.status !== 202) throw new Error(`POST /otp answered ${asked.status}: ${asked.body}`);
    const sink = await fetch(`${base}/dev/sms.json?phone=${encodeURIComponent(phone)}`).then((r) => r.json() as Promise<{ messages: { text: string }[] }>);
    const code = /\b(\d{6})\b/.exec(sink.messages[0]?.text ?? "")?.[1];
    // The sink keeps the latest 100 texts: on a slow server the other provers' texts can push one out before it is read.
    if (!code && attempt < 3) return proveOne(from, phone, attempt + 1);
    if (!code) throw new Error(`no one-time code for ${phone} at /dev/sms.json after ${attempt} asks (is SMS_GATEWAY the sink?)`);
    const deviceId = cookieOf(asked, "tc_otp");
    const verified = await client.send({ method: "POST", path: "/api/v1/otp/verify", body: { phone, code }, headers: deviceId ? { cookie: deviceId } : {} }, from);
    const cookie = cookieOf(verified, "tc_device");
    if (verified.status !== 200 || !cookie) throw new Error(`POST /otp/verify answered ${verified.status}: ${verified.body}`);
    proved.push({ phone, cookie });
  };
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < count) await proveOne(next++);
    }),
  );
  return proved;
}
