import { z } from "zod";

/** One act in the audit log, as GET /audit lists it (admin). */
export const auditEntry = z
  .object({
    id: z.string(),
    at: z.string(),
    userId: z.string().nullable(),
    user: z.string(),
    action: z.string().describe("trace.create, trace.read, person.status, user.role, …"),
    personId: z.string().nullable(),
    reason: z.string().nullable(),
    traceId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable().describe("Ids and counts, never phones or names (user.* acts name the account's username)"),
  })
  .meta({ id: "AuditEntry" });
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditPage = z.object({ entries: z.array(auditEntry), next: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPage>;
