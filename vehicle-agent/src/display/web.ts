import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { TripDetails } from "../trips/trips.ts";
import { TABLET_CSP, TABLET_PAGE } from "./page.ts";

/**
 * The driver's local endpoint, on 127.0.0.1 only: the tablet page, its state,
 * and trip start/end for a touch screen. POSTs must be JSON: a browser will
 * not send a cross-site JSON POST without a CORS preflight, which this server
 * never grants, so a web page elsewhere cannot end the driver's trip.
 */
export interface DriverControls {
  state(): unknown;
  startTrip(details: TripDetails): unknown;
  endTrip(): unknown | null;
  scan(pass: string): unknown;
  /** The driver touched "seen" on an alert: false if there is no such alert (any more). */
  ackAlert(checkinId: string): boolean;
  qrPng(): Promise<Buffer | null>;
}

const optionalText = z.string().trim().min(1).max(64).optional();
const tripStartBody = z.object({ routeId: optionalText, direction: optionalText, orderRef: optionalText, driverId: optionalText }).strict();
const passBody = z.object({ pass: z.string().min(1).max(512) }).strict();
const ackBody = z.object({ checkinId: z.string().uuid() }).strict();

const MAX_BODY = 4096;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
    throw new HttpError(415, "unsupported_media_type", "Send JSON (content-type: application/json)");
  }
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY) throw new HttpError(413, "payload_too_large", `Bodies are limited to ${MAX_BODY} bytes`);
  }
  try {
    return body === "" ? {} : JSON.parse(body);
  } catch {
    throw new HttpError(400, "invalid_json", "The body is not valid JSON");
  }
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, "invalid_request", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  return parsed.data;
}

export function createDriverServer(controls: DriverControls) {
  const server = http.createServer(async (req, res) => {
    const send = (status: number, type: string, body: string | Buffer) => {
      // The CSP on every answer (it only matters on the page, but then no answer is ever without it).
      res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff", "content-security-policy": TABLET_CSP, "x-frame-options": "DENY" });
      res.end(body);
    };
    const json = (status: number, value: unknown) => send(status, "application/json; charset=utf-8", JSON.stringify(value));
    try {
      const route = `${req.method} ${new URL(req.url ?? "/", "http://localhost").pathname}`;
      switch (route) {
        case "GET /":
          return send(200, "text/html; charset=utf-8", TABLET_PAGE);
        case "GET /favicon.ico":
          // The page has no icon; an answer without one keeps the browser from logging a 404 on every load.
          return send(204, "image/x-icon", "");
        case "GET /state":
          return json(200, controls.state());
        case "GET /qr.png": {
          const png = await controls.qrPng();
          return png ? send(200, "image/png", png) : json(404, { error: { code: "no_code_yet", message: "No live code received from the server yet" } });
        }
        case "POST /trip/start":
          return json(201, { trip: controls.startTrip(validate(tripStartBody, await readJson(req))) });
        case "POST /trip/end": {
          await readJson(req);
          const ended = controls.endTrip();
          return ended ? json(200, { trip: ended }) : json(409, { error: { code: "no_open_trip", message: "No trip is open" } });
        }
        case "POST /alerts/ack":
          return controls.ackAlert(validate(ackBody, await readJson(req)).checkinId)
            ? json(200, { acknowledged: true })
            : json(404, { error: { code: "no_such_alert", message: "No such alert on the screen" } });
        case "POST /pass":
          return json(200, controls.scan(validate(passBody, await readJson(req)).pass));
        default:
          return json(404, { error: { code: "not_found", message: `No route for ${route}` } });
      }
    } catch (err) {
      if (err instanceof HttpError) return json(err.status, { error: { code: err.code, message: err.message } });
      if (err instanceof z.ZodError) return json(400, { error: { code: "invalid_request", message: err.issues.map((i) => i.message).join("; ") } });
      return json(500, { error: { code: "internal", message: "The agent could not handle this request" } });
    }
  });

  return {
    /** Listens on 127.0.0.1 (port 0 picks a free one); resolves to the port. */
    listen(port: number): Promise<number> {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
