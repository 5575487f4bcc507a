import { createRoute, z } from "@hono/zod-openapi";
import type { AuthRepository } from "../auth/auth.repository.ts";
import { requireStaff } from "../auth/auth.middleware.ts";
import type { AppDeps } from "../context.ts";
import { AppError, tooManyRequests } from "../errors.ts";
import { errors, json, jsonBody, staffSecurity, type Router } from "../openapi.ts";
import { posterCodeUrl } from "../codes/live-code.ts";
import { createRateLimits, type Limit } from "../rate-limit.ts";
import { VehicleKindSchema } from "../vehicles/vehicles.routes.ts";
import { provisionAgent } from "../vehicles/vehicle-agent.routes.ts";
import { text } from "../../../protocol/fields.ts";
import { tellApplicant, verifiedApplicant } from "./applicant-identity.ts";
import type { ApplicationsRepository } from "./applications.repository.ts";

/** Applications per verified phone: an owner registers a car or two, not a fleet (platforms use the API). */
export const APPLICATION_LIMIT: Limit = { bucket: "application", limit: 5, windowMs: 24 * 3_600_000 };

export const ApplySchema = z
  .object({
    plate: text({ trim: true, min: 2, max: 20 }),
    kind: VehicleKindSchema,
    operatorId: z.string().uuid().nullable().optional().openapi({ description: "The operator or platform the vehicle works for; null or absent for an independent owner-driver" }),
    driverName: text({ trim: true, min: 1, max: 50 }),
    licence: text({ trim: true, min: 4, max: 40 }).openapi({ description: "Operating licence or permit number (道路运输证号 / 网约车运输证号)" }),
    onboardUnit: z.boolean().optional().openapi({ description: "true when the vehicle has an onboard unit: its agent credentials are issued, shown only in this answer" }),
  })
  .openapi("VehicleApplication");

const ApplicationSchema = z
  .object({
    id: z.string().uuid(),
    status: z.enum(["pending", "approved", "rejected"]),
    reason: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    operatorId: z.string().nullable(),
    operator: z.string().nullable(),
    vehicle: z.object({ id: z.string().uuid(), plate: z.string(), kind: VehicleKindSchema, code: z.object({ id: z.string(), url: z.string() }).nullable() }),
    driverName: z.string(),
    phone: z.string(),
    licence: z.string(),
  })
  .openapi("ApplicationForReview");

const submit = createRoute({
  method: "post",
  path: "/applications",
  operationId: "submitApplication",
  tags: ["applications"],
  summary: "Apply for a vehicle's code (no staff account; the device must have verified its phone with a one-time code)",
  description:
    "The vehicle is registered at once as pending: its code works and scans are traced from the first minute. 403 phone_not_verified without a verified device; 409 plate_taken when the plate is pending or registered already.",
  request: jsonBody(ApplySchema),
  responses: {
    201: json(
      z.object({
        id: z.string().uuid(),
        status: z.literal("pending"),
        vehicle: z.object({ id: z.string().uuid(), plate: z.string(), kind: VehicleKindSchema, code: z.object({ id: z.string(), url: z.string() }) }),
        page: z.object({ url: z.string() }),
        agent: z.object({ username: z.string(), password: z.string() }).nullable(),
      }),
      "Applied; the code works now",
    ),
    ...errors(400, 403, 404, 409, 429),
  },
});

const queue = createRoute({
  method: "get",
  path: "/applications",
  operationId: "listApplications",
  tags: ["applications"],
  summary: "The review queue: operator staff see their operator's applications, the transport authority the independents', admin all (the read is audited)",
  security: staffSecurity,
  request: { query: z.object({ status: z.enum(["pending", "approved", "rejected"]).default("pending"), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  responses: { 200: json(z.object({ applications: z.array(ApplicationSchema) })), ...errors(400, 401, 403) },
});

const decision = (verb: "approve" | "reject") =>
  createRoute({
    method: "post",
    path: `/applications/{id}/${verb}`,
    operationId: `${verb}Application`,
    tags: ["applications"],
    summary: verb === "approve" ? "Approve a pending application: the vehicle becomes active" : "Reject a pending application with a reason: the vehicle's code stops working at once",
    security: staffSecurity,
    request: {
      params: z.object({ id: z.string().uuid() }),
      // Optional in the schema, required for a rejection once the application is found (so a stranger's id is 403/404 first).
      ...jsonBody(z.object({ reason: text({ trim: true, min: 1, max: 300 }).optional().openapi({ description: verb === "reject" ? "Required: the applicant reads it" : "Optional note" }) })),
    },
    responses: {
      200: json(z.object({ id: z.string().uuid(), status: z.enum(["approved", "rejected"]), reason: z.string().nullable(), decidedAt: z.string() })),
      ...errors(400, 401, 403, 404, 409),
    },
  });

const sms = {
  submitted: (plate: string, url: string) => `【乘车登记】${plate} 的乘车码已生效，待审核。查看申请：${url}`,
  approved: (plate: string) => `【乘车登记】${plate} 的乘车码申请已通过审核。`,
  rejected: (plate: string, reason: string) => `【乘车登记】${plate} 的乘车码申请未通过：${reason}。二维码已停用。`,
};

export function registerApplicationsRoutes(app: Router, deps: AppDeps, auth: AuthRepository, applications: ApplicationsRepository) {
  const limits = createRateLimits(deps);
  const codeOf = (codeId: string | null) => (codeId ? { id: codeId, url: posterCodeUrl(deps.config.publicUrl, codeId) } : null);

  app.openapi(submit, async (c) => {
    const body = c.req.valid("json");
    const applicant = await verifiedApplicant(c, deps);
    if (!applicant) throw new AppError(403, "phone_not_verified", "Verify your phone with the one-time code first (POST /api/v1/otp, then /api/v1/otp/verify)");
    const verdict = await limits.take({ limit: APPLICATION_LIMIT, key: applicant.personId });
    if (!verdict.allowed) throw tooManyRequests("Too many applications from this phone today", verdict.retryAfterSeconds);
    const created = await applications.apply({ ...body, operatorId: body.operatorId ?? null, onboardUnit: body.onboardUnit ?? false }, applicant);
    // Its onboard unit logs in to the broker while the application waits, as its code works (DESIGN §6).
    if (created.agentPassword) await provisionAgent(deps, created.vehicleId, created.agentPassword);
    const pageUrl = `${deps.config.publicUrl}/apply/${created.pageToken}`;
    await tellApplicant(deps, applicant.phone, "application.submitted", sms.submitted(body.plate, pageUrl));
    return c.json(
      {
        id: created.id,
        status: "pending" as const,
        vehicle: { id: created.vehicleId, plate: body.plate, kind: body.kind, code: codeOf(created.codeId)! },
        page: { url: pageUrl },
        agent: created.agentPassword ? { username: created.vehicleId, password: created.agentPassword } : null,
      },
      201,
    );
  });

  const reviewers = requireStaff(auth, "admin", "operator", "authority");
  app.on("GET", "/applications", reviewers);
  app.on("POST", "/applications/:id/*", reviewers);

  app.openapi(queue, async (c) => {
    const q = c.req.valid("query");
    const rows = await applications.queue(c.var.user, q.status, q.limit);
    return c.json({ applications: rows.map((r) => ({ ...r, vehicle: { ...r.vehicle, code: codeOf(r.vehicle.codeId) } })) }, 200);
  });

  for (const verb of ["approve", "reject"] as const) {
    app.openapi(decision(verb), async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const decided = await applications.decide(c.var.user, id, verb === "approve" ? "approved" : "rejected", reason ?? null);
      const plate = decided.plate;
      await tellApplicant(deps, decided.phone, `application.${decided.status}`, verb === "approve" ? sms.approved(plate) : sms.rejected(plate, reason ?? ""));
      return c.json({ id, status: decided.status, reason: decided.reason, decidedAt: decided.decidedAt.toISOString() }, 200);
    });
  }
}
