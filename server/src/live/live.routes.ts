import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AppDeps } from "../context.ts";
import { errors, staffSecurity, type Router } from "../openapi.ts";
import type { LiveRepository } from "./live.repository.ts";
import { liveEvent } from "../../../protocol/api/live.ts";

/**
 * How often a connection looks for changed vehicles. With the state writer's
 * 250 ms this keeps a fix within 1 s of the map on an idle server; at 1 s
 * both, a fix missed the 2 s target on a loaded CI machine.
 */
export const LIVE_POLL_MS = 500;
/*
 * now() in a writer's transaction is its start time, so a row can commit with
 * an updated_at a little older than one already seen. Re-reading this much
 * behind the cursor (and sending only rows that really changed) loses none.
 */
const OVERLAP_MS = 5000;
const KEEPALIVE_MS = 15_000;

const live = createRoute({
  method: "get",
  path: "/live",
  tags: ["live"],
  summary: "Server-sent events of every vehicle's last position, presence and occupancy",
  description:
    "Event `snapshot` first, a LiveEvent `{vehicles: LiveVehicle[]}` with every vehicle the caller may see; then `update` events (LiveEvent too) with the vehicles that changed. " +
    "Both schemas are in components/schemas. Operators see their own fleet. " +
    "Each connection polls the database (no server-local state), so any number of servers may answer.",
  security: staffSecurity,
  responses: { 200: { description: "An event stream", content: { "text/event-stream": { schema: z.string() } } }, ...errors(401, 403) },
});

export function registerLiveRoutes(app: Router, deps: AppDeps, auth: AuthRepository, repo: LiveRepository) {
  // An event's data is no response body the document could describe: its schema is listed by name for clients to use.
  app.openAPIRegistry.register("LiveEvent", liveEvent);
  app.use("/live", requireStaff(auth, "admin", "operator", "tracer"));
  app.openapi(live, (c) => {
    const user = c.var.user;
    c.header("cache-control", "no-store");
    c.header("x-accel-buffering", "no"); // nginx: do not hold events back
    return streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => void (open = false));
      const first = await repo.changedSince(user, null);
      const sent = first.signatures;
      let cursor = first.cursor;
      await stream.writeSSE({ event: "snapshot", data: JSON.stringify({ vehicles: first.vehicles }) });
      let quiet = 0;
      while (open) {
        await stream.sleep(LIVE_POLL_MS);
        if (!open) break;
        try {
          const since = cursor ? new Date(cursor.getTime() - OVERLAP_MS) : null;
          const next = await repo.changedSince(user, since);
          const changed = next.vehicles.filter((v) => sent.get(v.vehicleId) !== next.signatures.get(v.vehicleId));
          for (const v of changed) sent.set(v.vehicleId, next.signatures.get(v.vehicleId)!);
          if (next.cursor && (!cursor || next.cursor > cursor)) cursor = next.cursor;
          if (changed.length > 0) {
            await stream.writeSSE({ event: "update", data: JSON.stringify({ vehicles: changed }) });
            quiet = 0;
          } else if ((quiet += LIVE_POLL_MS) >= KEEPALIVE_MS) {
            await stream.write(": keepalive\n\n");
            quiet = 0;
          }
        } catch (err) {
          deps.logger.warn({ err }, "live: poll failed");
        }
      }
    });
  });
}
