import type { TripDetails } from "./trips.ts";

/**
 * What the driver types at the agent's terminal. A scanner that types like a
 * keyboard sends pass tokens (`P1.…`) down the same line, so those are
 * recognised by their prefix.
 */
export type Command =
  | { kind: "start"; details: TripDetails }
  | { kind: "end" }
  | { kind: "pass"; token: string }
  | { kind: "status" }
  | { kind: "help" }
  | { kind: "unknown"; text: string }
  | { kind: "empty" };

export const COMMAND_HELP = `Commands:
  start [route] [direction]   start a bus trip, e.g. "start K51 up" (route defaults to --route-id)
  fare <ref> | order <ref>    start a taxi fare or ride-hail order
  end                         end the open trip
  status                      show the vehicle's state
  P1.…                        a pass (a USB scanner types these by itself)`;

export function parseCommand(line: string): Command {
  const text = line.trim();
  if (text === "") return { kind: "empty" };
  if (/^P1\./.test(text)) return { kind: "pass", token: text };
  const [word = "", ...rest] = text.split(/\s+/);
  switch (word.toLowerCase()) {
    case "start": {
      const [routeId, ...direction] = rest;
      return { kind: "start", details: { ...(routeId ? { routeId } : {}), ...(direction.length ? { direction: direction.join(" ") } : {}) } };
    }
    case "fare":
    case "order":
      return rest.length ? { kind: "start", details: { orderRef: rest.join(" ") } } : { kind: "unknown", text };
    case "end":
    case "stop":
      return { kind: "end" };
    case "status":
      return { kind: "status" };
    case "help":
    case "?":
      return { kind: "help" };
    default:
      return { kind: "unknown", text };
  }
}
