import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { auditLog } from "../db/schema/index.ts";

/**
 * Who did a fleet act: a staff member, an operator's API key, or an applicant
 * (a vehicle's owner, known by the application). Written into audit_log in
 * the same transaction as the act, so there is no act without its row.
 */
export interface Actor {
  kind: "staff" | "api_key" | "applicant";
  id: string;
  name: string;
}

export function auditRow(clock: Clock, actor: Actor, action: string, details: Record<string, unknown>, reason?: string | null): typeof auditLog.$inferInsert {
  return {
    id: uuidv7(),
    at: clock.now(),
    actorId: actor.id,
    actorName: actor.kind === "staff" ? actor.name : `${actor.kind}:${actor.name}`,
    action,
    reason: reason ?? null,
    details,
  };
}
