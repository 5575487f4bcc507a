import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { CheckinsRepository } from "../checkins/checkins.repository.ts";
import type { Keys } from "../crypto/keys.ts";
import { decrypt } from "../crypto/personal-data.ts";
import type { Db } from "../db/client.ts";
import { auditLog, traces, vehicles } from "../db/schema/index.ts";
import type { Exposure } from "./checkin-page.tsx";

/** Only what the notice needs from a stored trace result (DESIGN §5 contact rows). */
const traceContacts = z.object({
  contacts: z.array(z.object({ personId: z.string().nullable().optional(), vehicleId: z.string(), from: z.string(), unverified: z.boolean().optional() }).passthrough()),
});

/**
 * Which ride made a passenger a close contact, for the notice on their page.
 * When a tracer marked them from a trace, the trace's own contact row says
 * which vehicle and when the shared time began; otherwise (status set by
 * hand) their latest ride before the marking is the best answer there is.
 */
export function createExposureLookup({ db, keys, checkins }: { db: Db; keys: Keys; checkins: CheckinsRepository }) {
  async function fromTrace(personId: string): Promise<Exposure | null> {
    const [mark] = await db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.subjectPersonId, personId), eq(auditLog.action, "person.status")))
      .orderBy(desc(auditLog.at))
      .limit(1);
    const traceId = (mark?.details as { traceId?: unknown } | null)?.traceId;
    if (typeof traceId !== "string") return null;
    const [trace] = await db.select({ resultEnc: traces.resultEnc }).from(traces).where(eq(traces.id, traceId));
    if (!trace) return null; // removed by retention
    const parsed = traceContacts.safeParse(JSON.parse(decrypt(keys.personalData, trace.resultEnc)));
    // A contact row found through an unverified check-in of their phone is someone else's ride: never told to them.
    const contact = parsed.success ? parsed.data.contacts.find((c) => c.personId === personId && c.unverified !== true) : undefined;
    if (!contact) return null;
    const [v] = await db.select({ plate: vehicles.plate, routeId: vehicles.routeId }).from(vehicles).where(eq(vehicles.id, contact.vehicleId));
    return v ? { ...v, boardedAt: new Date(contact.from) } : null;
  }

  return {
    async latest(personId: string, statusSetAt: Date): Promise<Exposure | null> {
      const traced = await fromTrace(personId).catch(() => null); // an unreadable trace only costs the precise answer
      return traced ?? (await checkins.lastRideBefore(personId, statusSetAt));
    },
  };
}
