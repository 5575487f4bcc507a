import net from "node:net";
import { z } from "zod";
import type { PositionFix } from "../../../protocol/index.ts";
import type { Log } from "../log.ts";
import { createBackoff } from "../link/backoff.ts";

/**
 * A real receiver through gpsd: connect to its JSON socket (default
 * 127.0.0.1:2947), ask to WATCH, and read TPV reports. Only 2D/3D fixes
 * (mode ≥ 2) with a time count; at most one fix per `intervalMs` is kept,
 * since a 10 Hz receiver would otherwise fill the outbox for nothing.
 */
const tpv = z.object({
  class: z.literal("TPV"),
  mode: z.number(),
  time: z.string().optional(),
  lat: z.number().optional(),
  lon: z.number().optional(),
  speed: z.number().optional(),
  track: z.number().optional(),
  eph: z.number().optional(),
  epx: z.number().optional(),
  epy: z.number().optional(),
});

/** The fix in one line of gpsd's stream, or null for other reports and fixes without position. */
export function fixFromGpsdLine(line: string): PositionFix | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = tpv.safeParse(json);
  if (!parsed.success) return null;
  const r = parsed.data;
  if (r.mode < 2 || r.lat === undefined || r.lon === undefined || !r.time) return null;
  const ts = Date.parse(r.time);
  if (Number.isNaN(ts)) return null;
  const accuracy = r.eph ?? (r.epx !== undefined && r.epy !== undefined ? Math.max(r.epx, r.epy) : undefined);
  return {
    ts,
    lat: r.lat,
    lon: r.lon,
    ...(r.speed !== undefined ? { speed: r.speed } : {}),
    ...(r.track !== undefined ? { heading: r.track } : {}),
    ...(accuracy !== undefined ? { accuracy } : {}),
  };
}

export function parseGpsdAddress(value: string): { host: string; port: number } {
  if (value === "" || value === "true") return { host: "127.0.0.1", port: 2947 };
  const [host, port] = value.includes(":") ? value.split(":") : [value, "2947"];
  return { host: host || "127.0.0.1", port: Number(port) || 2947 };
}

export function runGpsd(opts: { address: string; intervalMs: number; onFix: (fix: PositionFix) => void; log: Log; signal: AbortSignal }): void {
  const { host, port } = parseGpsdAddress(opts.address);
  const backoff = createBackoff(1000, 30_000);
  let lastTs = 0;
  let warned = false;

  function connect() {
    if (opts.signal.aborted) return;
    const socket = net.connect({ host, port });
    let buffer = "";
    const stop = () => socket.destroy();
    opts.signal.addEventListener("abort", stop, { once: true });
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      backoff.reset();
      warned = false;
      opts.log.info(`reading fixes from gpsd at ${host}:${port}`);
      socket.write('?WATCH={"enable":true,"json":true}\n');
    });
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const fix = fixFromGpsdLine(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (fix && fix.ts >= lastTs + opts.intervalMs) {
          lastTs = fix.ts;
          opts.onFix(fix);
        }
      }
      if (buffer.length > 65_536) buffer = "";
    });
    socket.on("error", (err) => {
      if (!warned) opts.log.warn(`gpsd at ${host}:${port}: ${err.message}; retrying`);
      warned = true;
    });
    socket.on("close", () => {
      opts.signal.removeEventListener("abort", stop);
      if (!opts.signal.aborted) setTimeout(connect, backoff.next()).unref();
    });
  }
  connect();
}
