import { v7 as uuidv7 } from "uuid";
import type { AppDeps } from "../context.ts";
import { badRequest } from "../errors.ts";
import type { CodesRepository, CodeVehicle } from "../codes/codes.repository.ts";
import { maskName, normalisePhone } from "../persons/phone.ts";
import { companionKey, statusColour, type PersonRef, type PersonsRepository } from "../persons/persons.repository.ts";
import { REPEAT_SCAN_MS, type CheckinRow, type CheckinsRepository } from "./checkins.repository.ts";

const phoneRequired = () => badRequest("phone_required", "phone is required: this device is not remembered yet");

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

  /** Who is checking in, as a statement for the check-in to run: the typed phone's person, or the device's. */
  function whoSql(input: CheckinInput) {
    if (input.phone !== undefined) return persons.upsertSql({ phone: phoneOrThrow(input.phone, "phone"), name: input.name });
    if (!input.devicePersonId) throw phoneRequired();
    return persons.byIdSql(input.devicePersonId);
  }

  /** Companions are persons of their own, keyed by the main passenger when they have no phone. */
  async function companionPersons(input: CheckinInput): Promise<{ main: PersonRef; companions: PersonRef[] }> {
    const companionPhones = (input.companions ?? []).map((c, i) => (c.phone ? phoneOrThrow(c.phone, `companions.${i}.phone`) : null));
    const main =
      input.phone !== undefined
        ? await persons.findOrCreate({ phone: phoneOrThrow(input.phone, "phone"), name: input.name })
        : input.devicePersonId
          ? await persons.ref(input.devicePersonId)
          : null;
    if (!main) throw phoneRequired();
    const companions: PersonRef[] = [];
    for (const [i, c] of (input.companions ?? []).entries()) {
      const phone = companionPhones[i];
      const p = await persons.findOrCreate(phone ? { phone, name: c.name } : { phone: companionKey(main.id, c.name), name: c.name, hasPhone: false });
      // The same person listed twice, or the passenger listing themselves, is one passenger.
      if (p.id !== main.id && !companions.some((x) => x.id === p.id)) companions.push(p);
    }
    return { main, companions };
  }

  function present(row: CheckinRow, person: PersonRef, vehicle: CodeVehicle, tripId: string | null, companions: { row: CheckinRow; person: PersonRef }[]) {
    return {
      checkinId: row.id,
      personId: person.id,
      boardedAt: row.boardedAt.toISOString(),
      alightedAt: row.alightedAt?.toISOString() ?? null,
      vehicle: { plate: vehicle.plate, kind: vehicle.kind, routeId: vehicle.routeId },
      tripId,
      status: statusColour(person.status),
      companions: companions.map((c) => ({ checkinId: c.row.id, personId: c.person.id, status: statusColour(c.person.status) })),
    };
  }

  /** A repeat scan within the minute: the ride the first scan recorded, with its companions. */
  async function repeated(person: PersonRef, vehicle: CodeVehicle, now: Date) {
    const row = await checkins.recentScan(person.id, vehicle.id, new Date(now.getTime() - REPEAT_SCAN_MS), now);
    if (!row) throw new Error("a repeat scan whose first ride is gone");
    const companionRows = await checkins.companionsOf(row.id, vehicle.id, row.boardedAt);
    const companions = await Promise.all(
      companionRows.map(async (c) => ({ row: c, person: (await persons.ref(c.personId)) ?? { id: c.personId, status: "clear" as const, statusSetAt: null } })),
    );
    return present(row, person, vehicle, await checkins.tripAt(row.vehicleId, row.boardedAt, deps.clock.now()), companions);
  }

  async function alertIfFlagged(vehicleId: string, person: PersonRef, checkinId: string, at: Date, seat?: string | null) {
    if (person.status === "clear") return;
    try {
      // The driver sees who to look for by the name's first character and the seat, never the whole name.
      const name = (await persons.reveal(person.id))?.name;
      await deps.vehicleBus.alert(vehicleId, {
        kind: "flagged_passenger",
        status: person.status,
        checkinId,
        ts: at.getTime(),
        ...(name ? { maskedName: maskName(name) } : {}),
        ...(seat ? { seat } : {}),
      });
    } catch (err) {
      // The passenger is checked in either way; a missed driver alert is logged for the operator, never shown to them.
      deps.logger.error({ err, vehicleId, checkinId }, "could not publish flagged-passenger alert");
    }
  }

  return {
    async checkIn(input: CheckinInput) {
      const { vehicle } = await codes.resolve(input.code);
      let who = whoSql(input);
      let companions: PersonRef[] = [];
      if (input.companions?.length) {
        const found = await companionPersons(input);
        who = persons.byIdSql(found.main.id);
        companions = found.companions;
      }
      const now = deps.clock.now();
      const row: CheckinRow = {
        id: uuidv7({ msecs: now.getTime() }),
        vehicleId: vehicle.id,
        boardedAt: now,
        personId: "",
        source: "scan",
        companionOf: null,
        seat: input.seat ?? null,
        alightedAt: null,
        receivedAt: now,
      };
      const companionRows = companions.map((p) => ({ person: p, row: { ...row, id: uuidv7({ msecs: now.getTime() }), personId: p.id, source: "companion" as const, companionOf: row.id, seat: null } }));
      const recorded = await checkins.recordScan({
        who,
        vehicleId: vehicle.id,
        checkinId: row.id,
        at: now,
        seat: row.seat,
        companions: companionRows.map((c) => ({ checkinId: c.row.id, personId: c.person.id })),
        now,
      });
      if (!recorded) throw phoneRequired();
      const { person } = recorded;
      if (!recorded.created) return { created: false, body: await repeated(person, vehicle, now) };

      deps.metrics.checkins.inc({ source: "scan" });
      if (companionRows.length) deps.metrics.checkins.inc({ source: "companion" }, companionRows.length);
      deps.logger.info({ checkinId: row.id, vehicleId: vehicle.id, companions: companionRows.length }, "passenger checked in");
      await alertIfFlagged(vehicle.id, person, row.id, now, row.seat);
      for (const c of companionRows) await alertIfFlagged(vehicle.id, c.person, c.row.id, now);
      return { created: true, body: present({ ...row, personId: person.id }, person, vehicle, recorded.tripId, companionRows) };
    },
  };
}

export type CheckinService = ReturnType<typeof createCheckinService>;
