import { z } from "@hono/zod-openapi";
import { healthStatus } from "../../../protocol/api/trace.ts";
import type { StatusChange } from "./status.repository.ts";

export const HealthStatusSchema = healthStatus;

/** The answer to a status change or revert (contract: {personId, status, previous, changeId}). */
export const StatusChangeSchema = z
  .object({
    personId: z.string(),
    status: HealthStatusSchema,
    previous: HealthStatusSchema,
    changeId: z.string(),
    statusSetAt: z.string(),
    statusExpiresAt: z.string().nullable(),
  })
  .openapi("StatusChange");

export const presentChange = (k: StatusChange) => ({
  personId: k.personId,
  status: k.status,
  previous: k.previous,
  changeId: k.changeId,
  statusSetAt: k.statusSetAt.toISOString(),
  statusExpiresAt: k.statusExpiresAt?.toISOString() ?? null,
});
