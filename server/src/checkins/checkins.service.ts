import { v7 as uuidv7 } from "uuid";
import type { AppDeps } from "../context.ts";
import { displayTime } from "../clock.ts";
import { badRequest } from "../errors.ts";
import type { CodesRepository, CodeVehicle } from "../codes/codes.repository.ts";
import { lookupHash } from "../crypto/personal-data.ts";
import { invalidPhone } from "../otp/otp.service.ts";
import { maskName, normalisePhone } from "../persons/phone.ts";
import { companionKey, statusColour, type PersonRef, type PersonsRepository } from "../persons/persons.repository.ts";
import { createRateLimits, type Limit, type LimitedBy } from "../rate-limit.ts";
import { tooManyRequests } from "../errors.ts";
import { REPEAT_SCAN_MS, type CheckinRow, type CheckinsRepository, type RecordedScan } from "./checkins.repository.ts";

const phoneRequired = () => badRequest("phone_required", "phone is required: this device is not remembered yet");

/**
 * Texts telling a companion they were checked in, per companion phone: enough
 * for a family's daily rides, too few for anyone to use companions to send
 * texts to a phone they do not own.
 */
export const COMPANION_TEXT_LIMIT: Limit = { bucket: "companion-text", limit: 3, windowMs: 24 * 3_600_000 };

export interface CheckinInput {
  code: string;
  phone?: string;
  name?: string;
  companions?: { name: string; phone?: string }[];
  seat?: string;
  /** The verified person this device's signed cookie names, if any. */
  devicePersonId: string | null;
  /** The language of texts sent on this check-in's behalf (companions'). */
  lang: "zh" | "en";
  /** The typed-phone limit this check-in counts against, if it types phones (routes: TYPED_PHONE_LIMIT). */
  limit?: LimitedBy;
  /** Whether the request may go over that limit (staff checking passengers in); asked only when it refuses. */
  mayExceedLimit?: () => Promise<boolean>;
}

function phoneOrThrow(phone: string, field: string): string {
  const e164 = normalisePhone(phone);
  if (!e164) throw invalidPhone(field);
  return e164;
}

const companionText = {
  zh: (plate: string, when: string) => `【乘车登记】您的同行人已为您登记乘坐 ${plate}（${when}）。如您未乘坐该车，请忽略本短信。`,
  en: (plate: string, when: string) => `Ride check-in: someone travelling with you checked you in on ${plate} at ${when}. If you were not on board, ignore this text.`,
};

interface Companion {
  person: PersonRef;
  phone: string | null;
  /** A companion's own phone was not proved by them: their ride is a claim (unverified). One without a phone rides with the main passenger's proof. */
  verified: boolean;
}

/**
 * The passenger check-in (DESIGN §5): resolve the code, find who is scanning,
 * record the ride once, alert the driver about a flagged passenger.
 *
 * Who is scanning decides what the answer shows (issue 11): a device that
 * proved its phone with a one-time code (the signed cookie) checks in as its
 * verified owner and sees their status. A typed phone without that proof is
 * still recorded, for tracers, as an unverified ride of the phone's person,
 * but the answer names no one and shows no status, nothing of the owner is
 * changed (not their name, not their repeat-scan slot), and tracing keeps it
 * apart from their verified rides.
 */
export function createCheckinService(deps: AppDeps, repos: { codes: CodesRepository; persons: PersonsRepository; checkins: CheckinsRepository }) {
  const { codes, persons, checkins } = repos;
  const limits = createRateLimits(deps);

  /** Companions are persons of their own, keyed by the main passenger when they have no phone; made only for a ride that was created. */
  async function companionPersons(main: PersonRef, input: CheckinInput, phones: (string | null)[], mainVerified: boolean): Promise<Companion[]> {
    const companions: Companion[] = [];
    for (const [i, c] of (input.companions ?? []).entries()) {
      const phone = phones[i] ?? null;
      // Someone listing a companion's phone does not get to rename its owner; the name is set on first sight only.
      const p = await persons.findOrCreate(phone ? { phone, name: c.name, keepName: true } : { phone: companionKey(main.id, c.name), name: c.name, hasPhone: false });
      // The same person listed twice, or the passenger listing themselves, is one passenger.
      if (p.id !== main.id && !companions.some((x) => x.person.id === p.id)) companions.push({ person: p, phone, verified: phone ? false : mainVerified });
    }
    return companions;
  }

  function present(row: CheckinRow, person: PersonRef, verified: boolean, vehicle: CodeVehicle, tripId: string | null, companions: { checkinId: string }[]) {
    return {
      checkinId: row.id,
      // Only a verified device learns whose ride it is and how they are.
      personId: verified ? person.id : null,
      verified,
      boardedAt: row.boardedAt.toISOString(),
      alightedAt: row.alightedAt?.toISOString() ?? null,
      vehicle: { plate: vehicle.plate, kind: vehicle.kind, routeId: vehicle.routeId },
      tripId,
      status: verified ? statusColour(person.status) : null,
      // "You + 2": companions' statuses and person ids are theirs, not the device's.
      companions: companions.map((c) => ({ checkinId: c.checkinId })),
    };
  }

  /** A repeat scan within the minute: the ride the first scan recorded (in the same verified or unverified slot), with its companions. */
  async function repeated(person: PersonRef, verified: boolean, vehicle: CodeVehicle, now: Date) {
    const row = await checkins.recentScan(person.id, vehicle.id, new Date(now.getTime() - REPEAT_SCAN_MS), now, verified);
    if (!row) throw new Error("a repeat scan whose first ride is gone");
    const companionRows = await checkins.companionsOf(row.id, vehicle.id, row.boardedAt);
    const tripId = await checkins.tripAt(row.vehicleId, row.boardedAt, deps.clock.now());
    return present(row, person, verified, vehicle, tripId, companionRows.map((c) => ({ checkinId: c.id })));
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

  /** Tells each companion with a phone that someone checked them in; a text that cannot go is logged, the ride stands. */
  async function tellCompanions(companions: Companion[], vehicle: CodeVehicle, at: Date, lang: "zh" | "en") {
    if (!companions.some((c) => c.phone)) return;
    const when = displayTime(at, deps.config.tzDisplay);
    for (const c of companions) {
      if (!c.phone) continue;
      try {
        const verdict = await limits.take({ limit: COMPANION_TEXT_LIMIT, key: lookupHash(deps.keys.phoneHash, c.phone) });
        if (!verdict.allowed) continue;
        await deps.sms.sendSms(c.phone, companionText[lang](vehicle.plate, when));
      } catch (err) {
        deps.logger.warn({ err, personId: c.person.id }, "could not tell a companion they were checked in");
      }
    }
  }

  return {
    async checkIn(input: CheckinInput) {
      const { vehicle } = await codes.resolve(input.code, { pageTicket: true });
      const typed = input.phone !== undefined ? phoneOrThrow(input.phone, "phone") : null;
      // Every companion phone is checked before anything is recorded: a bad one refuses the whole check-in.
      const companionPhones = (input.companions ?? []).map((c, i) => (c.phone ? phoneOrThrow(c.phone, `companions.${i}.phone`) : null));

      // A verified device checks in as its owner, typing their own phone or not (one tap); any other typed phone is a claim.
      let verified = input.devicePersonId !== null;
      if (!verified && typed === null) throw phoneRequired();
      const who = () =>
        verified
          ? typed !== null
            ? persons.ownPhonePart(input.devicePersonId!, typed, input.name)
            : persons.byIdPart(input.devicePersonId!)
          : persons.upsertPart({ phone: typed!, name: input.name, keepName: true });

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
        verified,
      };
      // The typed-phone limit is counted in the statement that records the ride (one round trip less for every typed check-in).
      let limit = input.limit;
      const record = async () => {
        const result = await checkins.recordScan({ who: who(), limit, vehicleId: vehicle.id, checkinId: row.id, at: now, seat: row.seat, verified, now });
        // Counted once: a second statement (a claim, below) is the same check-in.
        limit = undefined;
        if (!result || !("refused" in result)) return result;
        if (!(await input.mayExceedLimit?.())) throw tooManyRequests("Too many check-ins typed from this address; try again in a few minutes", result.refused.retryAfterSeconds);
        return checkins.recordScan({ who: who(), vehicleId: vehicle.id, checkinId: row.id, at: now, seat: row.seat, verified, now }) as Promise<RecordedScan | null>;
      };
      let recorded = await record();
      if (!recorded && verified && typed !== null) {
        // Not the device owner's phone: recorded as an unverified claim of the phone's owner.
        verified = false;
        row.verified = false;
        recorded = await record();
      }
      if (!recorded) throw phoneRequired();
      const { person } = recorded;
      if (!recorded.created) return { created: false, verified, body: await repeated(person, verified, vehicle, now) };

      const companions = await companionPersons(person, input, companionPhones, verified);
      const companionRows = companions.map((c) => ({ ...c, checkinId: uuidv7({ msecs: now.getTime() }) }));
      await checkins.addCompanions(
        { checkinId: row.id, vehicleId: vehicle.id, at: now },
        companionRows.map((c) => ({ checkinId: c.checkinId, personId: c.person.id, verified: c.verified })),
      );

      // The driver's screen counts the passengers on board (the ride and its companions are committed by now).
      deps.driverScreens?.onBoardChanged(vehicle.id);
      deps.metrics.checkins.inc({ source: "scan" });
      if (companionRows.length) deps.metrics.checkins.inc({ source: "companion" }, companionRows.length);
      deps.logger.info({ checkinId: row.id, vehicleId: vehicle.id, companions: companionRows.length, verified }, "passenger checked in");
      // The driver is told of a flagged passenger whose phone is proved; an unproved claim could be anyone's.
      if (verified) await alertIfFlagged(vehicle.id, person, row.id, now, row.seat);
      for (const c of companionRows) if (c.verified) await alertIfFlagged(vehicle.id, c.person, c.checkinId, now);
      void tellCompanions(companions, vehicle, now, input.lang);
      return { created: true, verified, body: present({ ...row, personId: person.id }, person, verified, vehicle, recorded.tripId, companionRows) };
    },
  };
}

export type CheckinService = ReturnType<typeof createCheckinService>;
