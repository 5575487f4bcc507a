import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Clock } from "../clock.ts";
import type { StaffUser } from "../context.ts";
import type { Keys } from "../crypto/keys.ts";
import { generateSecret, hashPassword } from "../crypto/passwords.ts";
import { decrypt, encrypt } from "../crypto/personal-data.ts";
import type { Db } from "../db/client.ts";
import { auditLog, operators, vehicleApplications, vehicleCodes, vehicles } from "../db/schema/index.ts";
import { AppError, badRequest, conflict, forbidden, notFound } from "../errors.ts";
import { maskPhone } from "../persons/phone.ts";
import { platesInUse } from "../vehicles/plates.ts";
import { newCodeId, type VehicleKind } from "../vehicles/vehicles.repository.ts";
import { auditRow } from "./audit-row.ts";
import { NO_AGENT_LOGIN } from "./fleet-sync.repository.ts";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export interface ApplicationInput {
  plate: string;
  kind: VehicleKind;
  operatorId: string | null;
  driverName: string;
  licence: string;
  onboardUnit: boolean;
}

/** Who reviews what: operator staff their own operator's applications, the authority the independents', admin all. */
function queueScope(user: StaffUser): SQL | undefined {
  if (user.role === "admin") return undefined;
  if (user.role === "authority") return isNull(vehicleApplications.operatorId);
  if (user.role === "operator" && user.operatorId) return eq(vehicleApplications.operatorId, user.operatorId);
  return sql`false`;
}

export function createApplicationsRepository({ db, clock, keys }: { db: Db; clock: Clock; keys: Keys }) {
  const columns = {
    id: vehicleApplications.id,
    status: vehicleApplications.status,
    reason: vehicleApplications.reason,
    createdAt: vehicleApplications.createdAt,
    decidedAt: vehicleApplications.decidedAt,
    operatorId: vehicleApplications.operatorId,
    operator: operators.name,
    driverNameEnc: vehicleApplications.driverNameEnc,
    phoneEnc: vehicleApplications.phoneEnc,
    licenceEnc: vehicleApplications.licenceEnc,
    vehicleId: vehicles.id,
    plate: vehicles.plate,
    kind: vehicles.kind,
    codeId: vehicleCodes.id,
  };
  const select = (where: SQL | undefined) =>
    db
      .select(columns)
      .from(vehicleApplications)
      .innerJoin(vehicles, eq(vehicles.id, vehicleApplications.vehicleId))
      .leftJoin(operators, eq(operators.id, vehicleApplications.operatorId))
      .leftJoin(vehicleCodes, and(eq(vehicleCodes.vehicleId, vehicles.id), isNull(vehicleCodes.revokedAt)))
      .where(where);
  type Row = Awaited<ReturnType<typeof select>>[number];
  const open = (r: Row) => ({
    id: r.id,
    status: r.status,
    reason: r.reason,
    createdAt: new Date(r.createdAt).toISOString(),
    decidedAt: r.decidedAt ? new Date(r.decidedAt).toISOString() : null,
    operatorId: r.operatorId,
    operator: r.operator,
    vehicle: { id: r.vehicleId, plate: r.plate, kind: r.kind, codeId: r.codeId },
    driverName: decrypt(keys.personalData, r.driverNameEnc),
    phone: decrypt(keys.personalData, r.phoneEnc),
    licence: decrypt(keys.personalData, r.licenceEnc),
  });

  return {
    /**
     * Registers the vehicle at once as pending, with its poster code (scans
     * work and are traced from the first minute), and the application for
     * review, in one transaction with its audit row. A plate already pending
     * or in service anywhere is refused (platesInUse, the one plate rule).
     */
    async apply(input: ApplicationInput, applicant: { personId: string; phone: string }) {
      const vehicleId = uuidv7();
      const id = uuidv7();
      const codeId = newCodeId();
      const pageToken = randomBytes(24).toString("base64url");
      const agentPassword = input.onboardUnit ? generateSecret() : null;
      const agentPasswordHash = agentPassword ? await hashPassword(agentPassword) : NO_AGENT_LOGIN;
      const now = clock.now();
      await db.transaction(async (tx) => {
        if (input.operatorId) {
          const [op] = await tx.select({ id: operators.id }).from(operators).where(eq(operators.id, input.operatorId));
          if (!op) throw notFound("Operator");
        }
        // Serialises applications for one plate, so two racing submissions cannot both pass the check below.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"plate:" + input.plate.toUpperCase().replace(/[\s·•.\-_]/g, "")}))`);
        const taken = await platesInUse(tx, [input.plate]);
        if (taken.length) {
          const pending = taken.some((v) => v.status === "pending");
          throw conflict("plate_taken", pending ? "An application for this plate is already waiting for review" : "This plate is already registered");
        }
        await tx.insert(vehicles).values({ id: vehicleId, plate: input.plate, kind: input.kind, operatorId: input.operatorId, agentPasswordHash, status: "pending", createdAt: now });
        await tx.insert(vehicleCodes).values({ id: codeId, vehicleId, createdAt: now });
        await tx.insert(vehicleApplications).values({
          id,
          vehicleId,
          operatorId: input.operatorId,
          personId: applicant.personId,
          driverNameEnc: encrypt(keys.personalData, input.driverName),
          phoneEnc: encrypt(keys.personalData, applicant.phone),
          licenceEnc: encrypt(keys.personalData, input.licence),
          pageTokenHash: sha256(pageToken),
          createdAt: now,
        });
        await tx.insert(auditLog).values({
          ...auditRow(clock, { kind: "applicant", id: applicant.personId, name: maskPhone(applicant.phone) }, "application.submit", { applicationId: id, vehicleId, operatorId: input.operatorId }),
          subjectPersonId: applicant.personId,
        });
      });
      return { id, vehicleId, codeId, pageToken, agentPassword };
    },

    /** The application a page link opens (the applicant's own page), or null. */
    async byPageToken(token: string) {
      if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
      const [row] = await select(eq(vehicleApplications.pageTokenHash, sha256(token)));
      return row ? open(row) : null;
    },

    /** The reviewer's queue (their scope only), oldest first. The read shows personal data, so it is audited. */
    async queue(user: StaffUser, status: "pending" | "approved" | "rejected", limit: number) {
      const rows = await select(and(queueScope(user), eq(vehicleApplications.status, status)))
        .orderBy(asc(vehicleApplications.createdAt))
        .limit(limit);
      if (rows.length) await db.insert(auditLog).values(auditRow(clock, { kind: "staff", id: user.id, name: user.username }, "application.queue_read", { status, count: rows.length }));
      return rows.map(open);
    },

    /**
     * Approves or rejects a pending application, with the vehicle's new status
     * (a rejected code stops working at once) and the audit row, in one
     * transaction. Refuses an application outside the reviewer's scope (403)
     * or already decided (409).
     */
    async decide(user: StaffUser, id: string, decision: "approved" | "rejected", reason: string | null) {
      return db.transaction(async (tx) => {
        const [app] = await tx.select().from(vehicleApplications).where(eq(vehicleApplications.id, id)).for("update");
        if (!app) throw notFound("Application");
        const [inScope] = await tx.select({ id: vehicleApplications.id }).from(vehicleApplications).where(and(eq(vehicleApplications.id, id), queueScope(user)));
        if (!inScope) throw forbidden(app.operatorId ? "This application is for another operator to review" : "Independent vehicles are reviewed by the transport authority");
        if (app.status !== "pending") throw new AppError(409, "already_decided", `This application was already ${app.status}`);
        if (decision === "rejected" && !reason) throw badRequest("invalid_request", "reason: say why the application is rejected; the applicant reads it");
        const now = clock.now();
        await tx.update(vehicleApplications).set({ status: decision, reason, decidedAt: now, decidedBy: user.id }).where(eq(vehicleApplications.id, id));
        const [vehicle] = await tx
          .update(vehicles)
          // A rejected vehicle leaves service for good: its plate is free for a corrected application.
          .set(decision === "approved" ? { status: "active" } : { status: "rejected", retiredAt: now })
          .where(eq(vehicles.id, app.vehicleId))
          .returning({ plate: vehicles.plate });
        await tx.insert(auditLog).values({
          ...auditRow(clock, { kind: "staff", id: user.id, name: user.username }, `application.${decision === "approved" ? "approve" : "reject"}`, { applicationId: id, vehicleId: app.vehicleId }, reason),
          subjectPersonId: app.personId,
        });
        return { id, status: decision, reason, decidedAt: now, phone: decrypt(keys.personalData, app.phoneEnc), vehicleId: app.vehicleId, plate: vehicle!.plate };
      });
    },
  };
}

export type ApplicationsRepository = ReturnType<typeof createApplicationsRepository>;
