import { v7 as uuidv7 } from "uuid";
import type { AppDeps } from "../context.ts";
import { badRequest } from "../errors.ts";
import type { CodesRepository } from "../codes/codes.repository.ts";
import { normalisePhone } from "../persons/phone.ts";
import { companionKey, statusColour, type PersonRef, type PersonsRepository } from "../persons/persons.repository.ts";
import type { CheckinRow, CheckinsRepository, NewCheckin } from "./checkins.repository.ts";

/** A second scan of the same vehicle within this window returns the first check-in (issue 2 part 9). */
export const REPEAT_SCAN_MS = 60_000;

export interface CheckinInput {
  code: string;
  phone?: string;
  name?: string;
  companions?: { name: string; phone?: string }[];
  seat?: string;
  /** The person remembered by this device's signed cookie, if any. */
  devicePersonId: string | null;
}

function phoneOrThrow(phone: string, field: string): string {
  const e164 = normalisePhone(phone);
  if (!e164) throw badRequest("invalid_phone", `${field}: not a phone number we can use; give a Chinese mobile (13812345678) or an E.164 number (+44…)`);
  return e164;
}

/** The passenger check-in (DESIGN §5): resolve the code, find the person, record the ride once, alert the driver about a flagged passenger. */
export function createCheckinService(deps: AppDeps, repos: { codes: CodesRepository; persons: PersonsRepository; checkins: CheckinsRepository }) {
  const { codes, persons, checkins } = repos;

  async function mainPerson(input: CheckinInput): Promise<PersonRef> {
    if (input.phone !== undefined) return persons.findOrCreate({ phone: phoneOrThrow(input.phone, "phone"), name: input.name });
    const remembered = input.devicePersonId ? await persons.ref(input.devicePersonId) : null;
    if (!remembered) throw badRequest("phone_required", "phone is required: this device is not remembered yet");
    return remembered;
  }

  async function present(row: CheckinRow, person: PersonRef, vehicle: { plate: string; kind: string; routeId: string | null }, companions: { row: CheckinRow; person: PersonRef }[]) {
    return {
      checkinId: row.id,
      personId: person.id,
      boardedAt: row.boardedAt.toISOString(),
      alightedAt: row.alightedAt?.toISOString() ?? null,
      vehicle: { plate: vehicle.plate, kind: vehicle.kind, routeId: vehicle.routeId },
      tripId: await checkins.tripAt(row.vehicleId, row.boardedAt, deps.clock.now()),
      status: statusColour(person.status),
      companions: companions.map((c) => ({ checkinId: c.row.id, personId: c.person.id, status: statusColour(c.person.status) })),
    };
  }

  async function alertIfFlagged(vehicleId: string, person: PersonRef, checkinId: string, at: Date) {
    if (person.status === "clear") return;
    try {
      await deps.vehicleBus.alert(vehicleId, { kind: "flagged_passenger", status: person.status, checkinId, ts: at.getTime() });
    } catch (err) {
      // The passenger is checked in either way; a missed driver alert is logged for the operator, never shown to them.
      deps.logger.error({ err, vehicleId, checkinId }, "could not publish flagged-passenger alert");
    }
  }

  return {
    async checkIn(input: CheckinInput) {
      const { vehicle } = await codes.resolve(input.code);
      const companionPhones = (input.companions ?? []).map((c, i) => (c.phone ? phoneOrThrow(c.phone, `companions.${i}.phone`) : null));
      const person = await mainPerson(input);
      const now = deps.clock.now();
      // Persons are found before the lock: PGlite has one connection, so nothing outside the transaction may run inside it.
      const companionPersons: PersonRef[] = [];
      for (const [i, c] of (input.companions ?? []).entries()) {
        const phone = companionPhones[i];
        const p = await persons.findOrCreate(phone ? { phone, name: c.name } : { phone: companionKey(person.id, c.name), name: c.name, hasPhone: false });
        // The same person listed twice, or the passenger listing themselves, is one passenger.
        if (p.id !== person.id && !companionPersons.some((x) => x.id === p.id)) companionPersons.push(p);
      }

      const outcome = await checkins.lockedForPerson(person.id, async (tx) => {
        const existing = await checkins.recentScan(tx, person.id, vehicle.id, new Date(now.getTime() - REPEAT_SCAN_MS), now);
        if (existing) return { created: false as const, row: existing, companions: [] as { row: CheckinRow; person: PersonRef }[] };

        const row: CheckinRow = {
          id: uuidv7(),
          vehicleId: vehicle.id,
          boardedAt: now,
          personId: person.id,
          source: "scan",
          companionOf: null,
          seat: input.seat ?? null,
          alightedAt: null,
          receivedAt: now,
        };
        const companions = companionPersons.map((p) => ({
          person: p,
          row: { ...row, id: uuidv7(), personId: p.id, source: "companion" as const, companionOf: row.id, seat: null },
        }));
        await checkins.insert(tx, [row, ...companions.map((c) => c.row)] satisfies NewCheckin[]);
        return { created: true as const, row, companions };
      });

      if (!outcome.created) {
        const companionRows = await checkins.companionsOf(outcome.row.id, vehicle.id, outcome.row.boardedAt);
        const companions = await Promise.all(
          companionRows.map(async (row) => ({ row, person: (await persons.ref(row.personId)) ?? { id: row.personId, status: "clear" as const, statusSetAt: null } })),
        );
        return { created: false, body: await present(outcome.row, person, vehicle, companions) };
      }

      deps.metrics.checkins.inc({ source: "scan" });
      if (outcome.companions.length) deps.metrics.checkins.inc({ source: "companion" }, outcome.companions.length);
      deps.logger.info({ checkinId: outcome.row.id, vehicleId: vehicle.id, companions: outcome.companions.length }, "passenger checked in");
      await alertIfFlagged(vehicle.id, person, outcome.row.id, now);
      for (const c of outcome.companions) await alertIfFlagged(vehicle.id, c.person, c.row.id, now);
      return { created: true, body: await present(outcome.row, person, vehicle, outcome.companions) };
    },
  };
}

export type CheckinService = ReturnType<typeof createCheckinService>;
