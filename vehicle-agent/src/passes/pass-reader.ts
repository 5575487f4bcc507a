import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { v7 as uuidv7 } from "uuid";
import { checkinMessage, verifyPass } from "../../../protocol/index.ts";
import type { Log } from "../log.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { PublicKeyStore } from "./public-key.ts";

export type ScanResult =
  | { outcome: "accepted"; checkinId: string; ts: number; verified: boolean }
  | { outcome: "refused"; reason: "not_a_pass" | "bad_signature" }
  | { outcome: "repeat" }
  /** The agent has stopped: nothing is stored. */
  | { outcome: "stopped" };

/** A scanner often reads the same card twice in a row; a repeat within this window is the same boarding. */
const REPEAT_WINDOW_MS = 10_000;

/**
 * A scanned pass: verified offline against the server's Ed25519 key (a forged
 * or damaged card is refused on the spot and nothing is sent), then stored in
 * the outbox as a check-in with its own UUID v7 and the vehicle's time. With
 * no key cached yet the pass is sent unverified and the server decides.
 */
export function createPassReader(deps: { outbox: Outbox; keys: PublicKeyStore; afterStore: () => void; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const recent = new Map<string, number>();

  return function scan(line: string): ScanResult {
    const token = line.trim();
    const t = now();
    for (const [k, at] of recent) if (t - at > REPEAT_WINDOW_MS) recent.delete(k);
    if (recent.has(token)) return { outcome: "repeat" };
    if (!token.startsWith("P1.") || token.length > 512) return { outcome: "refused", reason: "not_a_pass" };
    const key = deps.keys.get();
    if (key && !verifyPass(key, token)) return { outcome: "refused", reason: "bad_signature" };
    const message = checkinMessage.safeParse({ checkinId: uuidv7({ msecs: t }), ts: t, pass: token });
    if (!message.success) return { outcome: "refused", reason: "not_a_pass" };
    deps.outbox.add("checkin", message.data);
    recent.set(token, t);
    deps.afterStore();
    return { outcome: "accepted", checkinId: message.data.checkinId, ts: t, verified: key !== null };
  };
}

export type PassScanner = ReturnType<typeof createPassReader>;

export function describeScan(result: ScanResult): string {
  switch (result.outcome) {
    case "accepted":
      return result.verified ? "✔ PASS ACCEPTED — checked in" : "✔ PASS TAKEN — checked in (not verified offline: no key cached yet; the server checks it)";
    case "repeat":
      return "… same pass again, already checked in";
    case "refused":
      return result.reason === "bad_signature" ? "✘ PASS REFUSED — not a genuine pass (signature does not verify)" : "✘ PASS REFUSED — not a pass";
    case "stopped":
      return "✘ PASS NOT TAKEN — the agent has stopped";
  }
}

/** Whether a device-file scanner is plugged in (its file open), and how often it has been. */
export interface ScannerState {
  device: string;
  plugged: boolean;
  plugs: number;
}

/**
 * Lines from a scanner that shows up as a device file (a serial/CDC scanner
 * such as /dev/ttyACM0). Returns its live state, which the driver's screen
 * shows, so a driver sees when the scanner is unplugged.
 */
export function readPassDevice(device: string, onLine: (line: string) => void, log: Log, signal: AbortSignal): ScannerState {
  const scanner: ScannerState = { device, plugged: false, plugs: 0 };
  const open = () => {
    if (signal.aborted) return;
    const stream = createReadStream(device, { encoding: "utf8" });
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on("line", onLine);
    stream.on("open", () => {
      scanner.plugged = true;
      scanner.plugs += 1;
    });
    stream.on("error", (err) => log.warn(`pass scanner ${device}: ${err.message}`));
    stream.on("close", () => {
      scanner.plugged = false;
      // A device file ends when the scanner is unplugged; look for it again.
      if (!signal.aborted) setTimeout(open, 2000).unref();
    });
    signal.addEventListener("abort", () => stream.destroy(), { once: true });
  };
  open();
  return scanner;
}
