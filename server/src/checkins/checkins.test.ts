import { createPublicKey } from "node:crypto";
import { Writable } from "node:stream";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLiveCode, verifyPass } from "../../../protocol/codes.ts";
import type { AlertMessage } from "../../../protocol/index.ts";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { liveCodeUrl } from "../codes/live-code.ts";
import { checkins, persons, trips } from "../db/schema/index.ts";
import { createLogger } from "../logger.ts";
import type { VehicleBus } from "../mqtt/vehicle-bus.ts";

/** A VehicleBus that records what the server tells each vehicle (our own interface, not a broker). */
const alerts: { vehicleId: string; message: AlertMessage }[] = [];
const recordingBus: VehicleBus = {
  ack: async () => {},
  display: async () => {},
  alert: async (vehicleId, message) => void alerts.push({ vehicleId, message }),
};

const logLines: string[] = [];
let t: TestApp;
let admin: { authorization: string };
beforeAll(async () => {
  t = await createTestApp({ vehicleBus: recordingBus });
  // Every log line the check-in path writes, at debug level, so the last test can look for personal data in them.
  t.deps.logger = createLogger("debug", new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
  admin = await t.staff("admin");
});
afterAll(() => t?.close());

let plateNo = 0;
async function vehicle(extra: Record<string, unknown> = {}, auth = admin) {
  const res = await t.call("POST", "/api/v1/vehicles", { plate: `鲁A·T${String(++plateNo).padStart(4, "0")}`, kind: "bus", routeId: "K51", ...extra }, auth);
  expect(res.status).toBe(201);
  return res.json as { id: string; plate: string; code: { id: string; url: string } };
}

const checkIn = (body: Record<string, unknown>, cookie?: string) => t.call("POST", "/api/v1/checkins", body, cookie ? { cookie } : {});

/**
 * A scan by the phone's owner (issue 11): they prove the phone with the code
 * the sink holds, then check in from that verified device with it typed.
 */
async function ownerScan(body: Record<string, unknown> & { phone: string }) {
  const { cookie } = await t.verifyPhone(body.phone);
  return Object.assign(await checkIn(body, cookie), { cookie });
}

/** The device cookie the owner's browser keeps. */
const deviceCookie = (res: { cookie: string }) => res.cookie;

describe("first scan", () => {
  it("checks a passenger in, remembers the device without the phone, and stores the phone only encrypted", async () => {
    const v = await vehicle();
    const res = await ownerScan({ code: v.code.id, phone: "13811110001", name: "张三" });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      checkinId: expect.any(String),
      personId: expect.any(String),
      vehicle: { plate: v.plate, kind: "bus", routeId: "K51" },
      tripId: null,
      status: "green",
      companions: [],
    });
    expect(res.json.boardedAt).toBe(t.clock.now().toISOString());

    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain(res.json.personId);
    expect(setCookie).not.toContain("13811110001");

    const [row] = await t.deps.db.select().from(persons).where(eq(persons.id, res.json.personId));
    expect(row!.phoneEnc).not.toContain("13811110001");
    expect(row!.phoneHash).not.toContain("13811110001");
    expect(row!.nameEnc).not.toContain("张三");
    const [stored] = await t.deps.db.select().from(checkins).where(eq(checkins.id, res.json.checkinId));
    expect(stored).toMatchObject({ vehicleId: v.id, personId: res.json.personId, source: "scan", alightedAt: null });
  });

  it("finds the same person however the number is written", async () => {
    const v = await vehicle();
    const ids = new Set<string>();
    for (const phone of ["13811110002", "+86 138 1111 0002", "008613811110002", "+8613811110002", "138-1111-0002"]) {
      t.clock.advance(61_000);
      const res = await checkIn({ code: v.code.id, phone });
      expect(res.status, phone).toBe(201);
      ids.add(res.json.personId);
    }
    expect(ids.size).toBe(1);
    const foreign = await ownerScan({ code: v.code.id, phone: "+44 7700 900123" });
    expect(foreign.status).toBe(201);
    expect(ids.has(foreign.json.personId)).toBe(false);
  });

  it("joins the trip open on the vehicle, or one starting within two minutes after the scan", async () => {
    const v = await vehicle();
    const now = t.clock.now().getTime();
    const soon = "019a0000-0000-7000-8000-000000000001";
    await t.deps.db.insert(trips).values({ id: soon, vehicleId: v.id, startedAt: new Date(now + 90_000) });
    expect((await ownerScan({ code: v.code.id, phone: "13811110003" })).json.tripId).toBe(soon);

    const other = await vehicle();
    await t.deps.db.insert(trips).values({ id: "019a0000-0000-7000-8000-000000000002", vehicleId: other.id, startedAt: new Date(now + 180_000) });
    expect((await ownerScan({ code: other.code.id, phone: "13811110004" })).json.tripId).toBeNull();

    const ended = await vehicle();
    await t.deps.db.insert(trips).values({
      id: "019a0000-0000-7000-8000-000000000003",
      vehicleId: ended.id,
      startedAt: new Date(now - 3_600_000),
      endedAt: new Date(now - 60_000),
    });
    const open = "019a0000-0000-7000-8000-000000000004";
    await t.deps.db.insert(trips).values({ id: open, vehicleId: ended.id, startedAt: new Date(now - 30_000) });
    expect((await ownerScan({ code: ended.code.id, phone: "13811110005" })).json.tripId).toBe(open);
  });
});

describe("repeat scans", () => {
  it("checks a remembered device in with one tap, returning the same check-in within a minute", async () => {
    const v = await vehicle();
    const first = await ownerScan({ code: v.code.id, phone: "13811110010", name: "李四" });
    const cookie = deviceCookie(first);

    t.clock.advance(30_000);
    const again = await checkIn({ code: v.code.id }, cookie);
    expect(again.status).toBe(200);
    expect(again.json.checkinId).toBe(first.json.checkinId);
    expect(again.json.boardedAt).toBe(first.json.boardedAt);

    t.clock.advance(31_000);
    const later = await checkIn({ code: v.code.id }, cookie);
    expect(later.status).toBe(201);
    expect(later.json.checkinId).not.toBe(first.json.checkinId);
    expect(later.json.personId).toBe(first.json.personId);
    const rows = await t.deps.db.select().from(checkins).where(eq(checkins.personId, first.json.personId));
    expect(rows).toHaveLength(2);
  });

  it("records one ride when a passenger taps several times at once, with the first tap's companions", async () => {
    const v = await vehicle();
    const first = await ownerScan({ code: v.code.id, phone: "13811110012" });
    const cookie = deviceCookie(first);
    t.clock.advance(61_000);
    const taps = await Promise.all(Array.from({ length: 6 }, () => checkIn({ code: v.code.id, companions: [{ name: "孩子" }] }, cookie)));
    expect(taps.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(taps.map((r) => r.json.checkinId)).size).toBe(1);
    // Companions are added once the ride is created (never by a repeat tap); a tap racing that step may show fewer.
    expect(taps.find((r) => r.status === 201)!.json.companions).toHaveLength(1);
    const rows = await t.deps.db.select().from(checkins).where(eq(checkins.vehicleId, v.id));
    expect(rows.filter((r) => r.source === "scan")).toHaveLength(2);
    expect(rows.filter((r) => r.source === "companion")).toHaveLength(1);
  });

  it("starts a new ride when the passenger scans again right after getting off, and returns that open ride to a tap within its minute", async () => {
    const v = await vehicle();
    const first = await ownerScan({ code: v.code.id, phone: "13811110013", companions: [{ name: "同伴" }] });
    const cookie = deviceCookie(first);
    t.clock.advance(10_000);
    expect((await t.call("POST", `/api/v1/checkins/${first.json.checkinId}/alight`, undefined, { cookie })).status).toBe(200);

    // 27 s after getting off (37 s after boarding): a new boarding, not the finished ride.
    t.clock.advance(27_000);
    const next = await checkIn({ code: v.code.id, companions: [{ name: "同伴" }] }, cookie);
    expect(next.status).toBe(201);
    expect(next.json).toMatchObject({ personId: first.json.personId, alightedAt: null, boardedAt: t.clock.now().toISOString() });
    expect(next.json.checkinId).not.toBe(first.json.checkinId);
    expect(next.json.companions).toHaveLength(1);

    // The new ride is open, so a tap within its minute is that ride again.
    t.clock.advance(10_000);
    const tap = await checkIn({ code: v.code.id }, cookie);
    expect(tap.status).toBe(200);
    expect(tap.json.checkinId).toBe(next.json.checkinId);
    const rows = await t.deps.db.select().from(checkins).where(eq(checkins.personId, first.json.personId));
    expect(rows.map((r) => [r.id, r.alightedAt !== null]).sort()).toEqual(
      [
        [first.json.checkinId, true],
        [next.json.checkinId, false],
      ].sort(),
    );
  });

  it("starts a new unverified ride after staff check the first one out within the minute", async () => {
    const operator = await t.staff("operator", "Jinan Bus");
    const v = await vehicle({}, operator);
    const first = await checkIn({ code: v.code.id, phone: "13811110014" });
    expect(first.json.verified).toBe(false);
    t.clock.advance(5_000);
    expect((await t.call("POST", `/api/v1/checkins/${first.json.checkinId}/alight`, undefined, operator)).status).toBe(200);
    t.clock.advance(5_000);
    const again = await checkIn({ code: v.code.id, phone: "13811110014" });
    expect(again.status).toBe(201);
    expect(again.json.checkinId).not.toBe(first.json.checkinId);
  });

  it("counts a scan of another vehicle within the minute as a new check-in", async () => {
    const a = await vehicle();
    const b = await vehicle();
    const first = await ownerScan({ code: a.code.id, phone: "13811110011" });
    const second = await checkIn({ code: b.code.id }, deviceCookie(first));
    expect(second.status).toBe(201);
    expect(second.json.vehicle.plate).toBe(b.plate);
  });

  it("asks for a phone when the device is not remembered or its cookie is forged", async () => {
    const v = await vehicle();
    const none = await checkIn({ code: v.code.id });
    expect(none.status).toBe(400);
    expect(none.json.error.code).toBe("phone_required");
    const forged = await checkIn({ code: v.code.id }, "tc_device=019a0000-0000-7000-8000-0000000000ff.c2lnbmF0dXJl");
    expect(forged.status).toBe(400);
    expect(forged.json.error.code).toBe("phone_required");
  });
});

describe("companions", () => {
  it("checks companions in as their own persons, with and without phones, linked to the main check-in", async () => {
    const v = await vehicle();
    const res = await checkIn({
      code: v.code.id,
      phone: "13811110020",
      name: "王五",
      companions: [{ name: "王奶奶" }, { name: "王小明", phone: "13811110021" }],
    });
    expect(res.status).toBe(201);
    expect(res.json.companions).toHaveLength(2);
    const rows = await t.deps.db.select().from(checkins).where(eq(checkins.companionOf, res.json.checkinId));
    expect(rows.map((r) => r.source)).toEqual(["companion", "companion"]);
    expect(new Set(rows.map((r) => r.personId)).size).toBe(2);
    expect(rows.every((r) => r.boardedAt.getTime() === new Date(res.json.boardedAt).getTime() && r.vehicleId === v.id)).toBe(true);

    // The grandson checks in alone later: he is the same person as the companion with his phone.
    t.clock.advance(3_600_000);
    const grandson = await ownerScan({ code: v.code.id, phone: "13811110021" });
    const personOf = async (checkinId: string) => (await t.deps.db.select().from(checkins).where(eq(checkins.id, checkinId)))[0]!.personId;
    expect(grandson.json.personId).toBe(await personOf(res.json.companions[1].checkinId));

    // The grandmother without a phone stays one person across rides with the same passenger.
    const again = await ownerScan({ code: v.code.id, phone: "13811110020", companions: [{ name: "王奶奶 " }] });
    expect(await personOf(again.json.companions[0].checkinId)).toBe(await personOf(res.json.companions[0].checkinId));
  });

  it("does not count the passenger twice when they list themselves as a companion", async () => {
    const v = await vehicle();
    const res = await ownerScan({ code: v.code.id, phone: "13811110022", companions: [{ name: "me", phone: "+8613811110022" }] });
    expect(res.status).toBe(201);
    expect(res.json.companions).toEqual([]);
  });
});

describe("alight", () => {
  it("answers 404, not 500, for a ride id that claims a time no ride can have", async () => {
    // A UUID v7 whose time is in the year 10000: the search by its time must not reach the database with it.
    const res = await t.call("POST", "/api/v1/checkins/e7fffff2-f091-72f6-8163-e1fc38c1defc/alight", undefined, { authorization: (await t.staff("admin")).authorization });
    expect(res.status).toBe(404);
  });

  it("checks the passenger and their companions out, once, from their own device", async () => {
    const v = await vehicle();
    const res = await ownerScan({ code: v.code.id, phone: "13811110030", companions: [{ name: "同伴" }] });
    const cookie = deviceCookie(res);
    t.clock.advance(20 * 60_000);
    // Rescanning later offers to get off this ride without a new check-in.
    expect((await t.call("GET", `/v/${v.code.id}`, undefined, { cookie })).text).toContain(`data-checkin="${res.json.checkinId}"`);
    const off = await t.call("POST", `/api/v1/checkins/${res.json.checkinId}/alight`, undefined, { cookie });
    expect(off.status).toBe(200);
    expect(off.json.alightedAt).toBe(t.clock.now().toISOString());

    t.clock.advance(60_000);
    const twice = await t.call("POST", `/api/v1/checkins/${res.json.checkinId}/alight`, undefined, { cookie });
    expect(twice.status).toBe(200);
    expect(twice.json.alightedAt).toBe(off.json.alightedAt);

    expect((await t.call("GET", `/v/${v.code.id}`, undefined, { cookie })).text).not.toContain("data-checkin=");
    const companion = await t.deps.db.select().from(checkins).where(eq(checkins.companionOf, res.json.checkinId));
    expect(companion[0]!.alightedAt?.toISOString()).toBe(off.json.alightedAt);
    // Scanning again after getting off is a new boarding.
    const again = await checkIn({ code: v.code.id }, cookie);
    expect(again.status).toBe(201);
  });

  it("offers getting off only while the ride is on board by the tracing rules", async () => {
    const page = (code: string, cookie: string) => t.call("GET", `/v/${code}`, undefined, { cookie }).then((r) => r.text);
    // No trip on the vehicle: on board for the default hour, then over.
    const bus = await vehicle();
    const ride = await ownerScan({ code: bus.code.id, phone: "13811110033" });
    const cookie = deviceCookie(ride);
    t.clock.advance(59 * 60_000);
    expect(await page(bus.code.id, cookie)).toContain(`data-checkin="${ride.json.checkinId}"`);
    t.clock.advance(2 * 60_000);
    const after = await page(bus.code.id, cookie);
    expect(after).not.toContain("data-checkin=");
    expect(after).toContain('id="one-tap"');

    // A trip open on the vehicle: on board hours later, until the trip ends.
    const coach = await vehicle({ kind: "coach" });
    const tripId = "019a0000-0000-7000-8000-0000000000c1";
    await t.deps.db.insert(trips).values({ id: tripId, vehicleId: coach.id, startedAt: new Date(t.clock.now().getTime() - 60_000) });
    const long = await checkIn({ code: coach.code.id }, cookie);
    expect(long.json.tripId).toBe(tripId);
    t.clock.advance(3 * 3_600_000);
    expect(await page(coach.code.id, cookie)).toContain(`data-checkin="${long.json.checkinId}"`);
    await t.deps.db.update(trips).set({ endedAt: new Date(t.clock.now().getTime() - 1_000) }).where(eq(trips.id, tripId));
    expect(await page(coach.code.id, cookie)).not.toContain("data-checkin=");

    // A later check-in on another vehicle ends the ride before it.
    t.clock.advance(60_000);
    const one = await checkIn({ code: bus.code.id }, cookie);
    t.clock.advance(60_000);
    expect(await page(bus.code.id, cookie)).toContain(`data-checkin="${one.json.checkinId}"`);
    await checkIn({ code: coach.code.id }, cookie);
    t.clock.advance(1_000);
    expect(await page(bus.code.id, cookie)).not.toContain("data-checkin=");
  });

  it("offers the ride on board whatever recorded the latest boarding: a pass, two at one instant, one not yet come", async () => {
    const page = (code: string, cookie: string) => t.call("GET", `/v/${code}`, undefined, { cookie }).then((r) => r.text);
    const bus = await vehicle();
    const coach = await vehicle({ kind: "coach" });
    const ride = await ownerScan({ code: bus.code.id, phone: "13811110034" });
    const cookie = deviceCookie(ride);
    const [{ personId }] = (await t.deps.db.select({ personId: checkins.personId }).from(checkins).where(eq(checkins.id, ride.json.checkinId))) as [{ personId: string }];
    const pass = (id: string, vehicleId: string, boardedAt: Date) => t.deps.db.insert(checkins).values({ id, vehicleId, boardedAt, personId, source: "pass" });
    const later = (ms: number) => new Date(t.clock.now().getTime() + ms);

    // A pass read on the coach by an agent whose clock runs a minute fast: the bus ride is not over until then.
    t.clock.advance(60_000);
    await pass("019a0000-0000-7000-8000-0000000000d1", coach.id, later(60_000));
    expect(await page(bus.code.id, cookie)).toContain(`data-checkin="${ride.json.checkinId}"`);
    t.clock.advance(61_000);
    expect(await page(bus.code.id, cookie)).not.toContain("data-checkin=");
    expect(await page(coach.code.id, cookie)).toContain('data-checkin="019a0000-0000-7000-8000-0000000000d1"');

    // Two boardings at one instant, on two vehicles: each vehicle's page offers its own.
    const both = later(0);
    await pass("019a0000-0000-7000-8000-0000000000d2", bus.id, both);
    await pass("019a0000-0000-7000-8000-0000000000d3", coach.id, both);
    t.clock.advance(1_000);
    expect(await page(bus.code.id, cookie)).toContain('data-checkin="019a0000-0000-7000-8000-0000000000d2"');
    expect(await page(coach.code.id, cookie)).toContain('data-checkin="019a0000-0000-7000-8000-0000000000d3"');

    // A pass read later than the scan it follows, by an agent that was offline: the latest boarding still wins.
    await pass("019a0000-0000-7000-8000-0000000000d4", coach.id, new Date(both.getTime() - 30_000));
    expect(await page(bus.code.id, cookie)).toContain('data-checkin="019a0000-0000-7000-8000-0000000000d2"');
  });

  it("refuses other passengers and other fleets' staff, and lets the fleet's staff check a passenger out", async () => {
    const jinan = await t.staff("operator", "Jinan Bus");
    const qingdao = await t.staff("operator", "Qingdao Taxi");
    const v = await vehicle({}, jinan);
    const res = await ownerScan({ code: v.code.id, phone: "13811110031" });
    const stranger = deviceCookie(await ownerScan({ code: v.code.id, phone: "13811110032" }));
    const path = `/api/v1/checkins/${res.json.checkinId}/alight`;
    expect((await t.call("POST", path, undefined, { cookie: stranger })).status).toBe(403);
    expect((await t.call("POST", path)).status).toBe(403);
    expect((await t.call("POST", path, undefined, qingdao)).status).toBe(403);
    expect((await t.call("POST", path, undefined, await t.staff("tracer"))).status).toBe(403);
    const byStaff = await t.call("POST", path, undefined, jinan);
    expect(byStaff.status).toBe(200);
    expect((await t.call("POST", "/api/v1/checkins/019a0000-0000-7000-8000-00000000beef/alight", undefined, jinan)).status).toBe(404);
    expect((await t.call("POST", "/api/v1/checkins/nope/alight", undefined, jinan)).status).toBe(400);
  });
});

describe("live codes", () => {
  it("accepts the driver's live code and refuses it once expired, on the page and in the API", async () => {
    const v = await vehicle();
    const live = liveCodeUrl(t.deps, v.id);
    expect(live.url).toBe(`http://transit.test/v/${live.token}`);
    expect((await t.call("GET", `/v/${live.token}`)).status).toBe(200);
    const ok = await checkIn({ code: live.token, phone: "13811110040" });
    expect(ok.status).toBe(201);
    expect(ok.json.vehicle.plate).toBe(v.plate);

    // A passenger who opened the page in time may take minutes over the first-scan form.
    const page0 = await t.call("GET", `/v/${live.token}`);
    const ticket = /"code":"(T1\.[^"]+)"/.exec(page0.text)![1]!;
    t.clock.advance(t.deps.config.liveCodeTtlSeconds * 1000 + 1000);
    t.clock.advance(3 * 60_000);
    const slow = await checkIn({ code: ticket, phone: "13811110043" });
    expect(slow.status).toBe(201);
    expect(slow.json.vehicle.plate).toBe(v.plate);

    const expired = await checkIn({ code: live.token, phone: "13811110041" });
    expect(expired.status).toBe(410);
    expect(expired.json.error.code).toBe("code_expired");
    const page = await t.call("GET", `/v/${live.token}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain("动态码已过期");
    expect((await t.call("GET", `/v/${live.token}?lang=en`)).text).toContain("expired");
  });

  it("treats a live code signed with another key, or for an unknown vehicle, as unknown", async () => {
    const v = await vehicle();
    const inAMinute = new Date(t.clock.now().getTime() + 60_000);
    const forged = signLiveCode(Buffer.alloc(32, 1), v.id, inAMinute);
    expect((await checkIn({ code: forged, phone: "13811110042" })).json.error.code).toBe("code_not_found");
    const nobody = signLiveCode(t.deps.keys.liveCode, "019a0000-0000-7000-8000-00000000dead", inAMinute);
    expect((await checkIn({ code: nobody, phone: "13811110042" })).status).toBe(404);
  });
});

describe("personal passes", () => {
  it("issues a pass that verifies with the published public key and names the passenger's person", async () => {
    const { cookie } = await t.verifyPhone("13811110050");
    const issued = await t.call("POST", "/api/v1/passes", { phone: "13811110050", name: "赵六" }, { cookie });
    expect(issued.status).toBe(201);
    const key = await t.call("GET", "/api/v1/passes/public-key");
    expect(key.status).toBe(200);
    expect(key.json.algorithm).toBe("Ed25519");
    const fromPem = createPublicKey(key.json.pem);
    const fromRaw = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: key.json.raw }, format: "jwk" });
    expect(verifyPass(fromPem, issued.json.pass)?.personId).toBe(issued.json.personId);
    expect(verifyPass(fromRaw, issued.json.pass)?.personId).toBe(issued.json.personId);
    const [prefix, payload, signature] = issued.json.pass.split(".") as [string, string, string];
    const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
    expect(verifyPass(fromPem, `${prefix}.${payload}.${flipped}`)).toBeNull();
    const otherPerson = Buffer.from(JSON.stringify({ p: "019a0000-0000-7000-8000-000000000bad", i: 1 })).toString("base64url");
    expect(verifyPass(fromPem, `${prefix}.${otherPerson}.${signature}`)).toBeNull();
    expect(issued.json.pass).not.toContain("13811110050");

    // The same phone scanning a code is the same person the pass names.
    const v = await vehicle();
    expect((await checkIn({ code: v.code.id, phone: "138 1111 0050" }, cookie)).json.personId).toBe(issued.json.personId);
  });

  it("prints the pass card for a remembered device and from the form", async () => {
    const v = await vehicle();
    const cookie = deviceCookie(await ownerScan({ code: v.code.id, phone: "13811110051", name: "孙七" }));
    const card = await t.call("GET", "/pass", undefined, { cookie });
    expect(card.status).toBe(200);
    expect(card.text).toContain("<svg");
    expect(card.text).toContain("孙*");
    expect(card.text).not.toContain("13811110051");
    const form = await t.call("GET", "/pass");
    expect(form.text).toContain('method="post"');
    // Without a verified device the form texts a code first, then makes the pass with it.
    const form1 = { "content-type": "application/x-www-form-urlencoded" };
    const asked = await t.app.request("/pass", { method: "POST", headers: form1, body: new URLSearchParams({ phone: "13811110052", name: "周八" }).toString() });
    expect(asked.status).toBe(200);
    const askedText = await asked.text();
    expect(askedText).toContain('name="code"');
    expect(askedText).not.toContain("<svg");
    const code = /(\d{6})/.exec(t.lastText("13811110052")!)![1]!;
    const posted = await t.app.request("/pass", { method: "POST", headers: form1, body: new URLSearchParams({ phone: "13811110052", name: "周八", code }).toString() });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain("<svg");
    expect(posted.headers.get("set-cookie")).toContain("tc_device=");
    const bad = await t.app.request("/pass", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ phone: "12345", name: "周八" }).toString(),
    });
    expect(bad.status).toBe(400);
  });
});

describe("flagged passengers", () => {
  it("shows a close contact yellow, alerts the driver, and tells them on the page which ride and what to do", async () => {
    const v = await vehicle();
    const earlier = await ownerScan({ code: v.code.id, phone: "13811110060" });
    const cookie = deviceCookie(earlier);
    t.clock.advance(3_600_000);
    const tracer = await t.staff("tracer");
    const marked = await t.call("POST", `/api/v1/persons/${earlier.json.personId}/status`, { status: "close_contact", reason: "case 2026-118" }, tracer);
    expect(marked.status).toBe(200);

    const page = await t.call("GET", `/v/${v.code.id}`, undefined, { cookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="notice"');
    expect(page.text).toContain("密切接触者");
    expect(page.text).toContain(v.plate);
    expect(page.text).toContain("12320");
    const notice = await t.call("GET", "/passenger/notice?lang=en", undefined, { cookie });
    expect(notice.text).toContain("close contact");

    alerts.length = 0;
    const other = await vehicle();
    const scan = await checkIn({ code: other.code.id }, cookie);
    expect(scan.json.status).toBe("yellow");
    expect(alerts).toEqual([
      { vehicleId: other.id, message: { kind: "flagged_passenger", status: "close_contact", checkinId: scan.json.checkinId, ts: t.clock.now().getTime() } },
    ]);
  });

  it("names the ride from the trace that made them a close contact, not merely their latest ride", async () => {
    const shared = await vehicle();
    const later = await vehicle();
    const start = t.clock.now().getTime();
    const index = await ownerScan({ code: shared.code.id, phone: "13811110063" });
    t.clock.advance(60_000);
    const contact = await ownerScan({ code: shared.code.id, phone: "13811110064" });
    const cookie = deviceCookie(contact);
    t.clock.advance(30 * 60_000);
    await checkIn({ code: later.code.id }, cookie); // a later ride on another vehicle, with no case on board
    t.clock.advance(60 * 60_000);

    const tracer = await t.staff("tracer");
    const from = new Date(start - 3_600_000).toISOString();
    const trace = await t.call("POST", "/api/v1/traces", { personId: index.json.personId, from, to: t.clock.now().toISOString(), reason: "case 2026-119" }, tracer);
    expect(trace.status).toBe(201);
    const mark = await t.call("POST", `/api/v1/traces/${trace.json.id}/mark`, { personIds: [contact.json.personId], status: "close_contact" }, tracer);
    expect(mark.status).toBe(200);

    const page = await t.call("GET", `/v/${later.code.id}?lang=en`, undefined, { cookie });
    expect(page.text).toContain("close contact");
    expect(page.text).toContain(shared.plate);
    expect(page.text).not.toContain(`${later.plate} at`);
  });

  it("alerts the driver about a case travelling as a companion, and not about clear passengers", async () => {
    const v = await vehicle();
    // A companion without a phone rides on the passenger's proof; one with a phone of their own is a claim (no alert from it).
    const first = await ownerScan({ code: v.code.id, phone: "13811110061", companions: [{ name: "Case" }] });
    const [row] = await t.deps.db.select().from(checkins).where(eq(checkins.id, first.json.companions[0].checkinId));
    await t.call("POST", `/api/v1/persons/${row!.personId}/status`, { status: "case" }, await t.staff("tracer"));
    alerts.length = 0;
    t.clock.advance(120_000);
    const again = await checkIn({ code: v.code.id, companions: [{ name: "Case" }] }, first.cookie);
    expect(again.json.status).toBe("green");
    expect(again.json.companions).toEqual([{ checkinId: expect.any(String) }]); // their status is theirs alone
    expect(alerts.map((a) => a.message.status)).toEqual(["case"]);
    expect(alerts[0]!.message.checkinId).toBe(again.json.companions[0].checkinId);
  });
});

describe("bad input", () => {
  it("answers every kind of bad input with a 4xx and a code, never a 500", async () => {
    const v = await vehicle();
    const cases: [string, unknown, number, string][] = [
      ["malformed JSON", '{"code": "abc", "phone": ', 400, "malformed_request"],
      ["not an object", "[1,2,3]", 400, "invalid_request"],
      ["wrong types", { code: 12345, phone: 13811110070 }, 400, "invalid_request"],
      ["companions not a list", { code: v.code.id, phone: "13811110070", companions: "grandma" }, 400, "invalid_request"],
      ["missing code", { phone: "13811110070" }, 400, "invalid_request"],
      ["invalid phone", { code: v.code.id, phone: "12345" }, 400, "invalid_phone"],
      ["letters for a phone", { code: v.code.id, phone: "call me" }, 400, "invalid_phone"],
      ["+86 landline", { code: v.code.id, phone: "+86 531 1234 5678" }, 400, "invalid_phone"],
      ["invalid companion phone", { code: v.code.id, phone: "13811110070", companions: [{ name: "x", phone: "999" }] }, 400, "invalid_phone"],
      ["unknown code", { code: "ZZZZZZZZZZZZZZZZZZZZZZ", phone: "13811110070" }, 404, "code_not_found"],
      ["garbage code", { code: "../../etc/passwd", phone: "13811110070" }, 404, "code_not_found"],
      ["malformed live code", { code: "L1.x.y.z", phone: "13811110070" }, 404, "code_not_found"],
      ["oversized body", { code: v.code.id, phone: "13811110070", name: "x".repeat(70_000) }, 413, "payload_too_large"],
      ["pass without name", { phone: "13811110070" }, 400, "invalid_request"],
    ];
    for (const [what, body, status, code] of cases) {
      const path = what.startsWith("pass") ? "/api/v1/passes" : "/api/v1/checkins";
      const res = await t.call("POST", path, body);
      expect(res.status, what).toBe(status);
      expect(res.json?.error?.code, what).toEqual(code ? code : expect.any(String));
      expect(res.json.error.message, what).toEqual(expect.any(String));
    }
    const badInvalidPhone = await t.call("POST", "/api/v1/checkins", { code: v.code.id, phone: "99999" });
    expect(badInvalidPhone.json.error.message).not.toContain("99999"); // errors do not echo personal data back
    const rows = await t.deps.db.execute(sql`select count(*)::int as n from checkins where vehicle_id = ${v.id}`);
    expect(JSON.stringify(rows)).toContain('"n":0');
  });

  it("counts check-ins in the metrics and never writes a phone, name or token to the logs", async () => {
    const metrics = await t.app.request("/metrics");
    expect(await metrics.text()).toMatch(/checkins_total\{source="scan"\} [1-9]/);
    const logs = logLines.join("");
    expect(logs).toContain("passenger checked in");
    for (const secret of ["1381111", "张三", "王奶奶", "赵六", "P1.", "L1."]) expect(logs, secret).not.toContain(secret);
  });

  it("limits pass issuing from one address and says so", async () => {
    let last = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await t.call("POST", "/api/v1/passes", { phone: `1391111${String(i).padStart(4, "0")}`, name: "x" })).status);
    // Phones this device has not verified: refused, and counted all the same.
    expect(statuses).toContain(403);
    expect(statuses.every((s) => s === 403 || s === 429)).toBe(true);
    last = statuses[11]!;
    expect(last).toBe(429);
    const staff = await t.call("POST", "/api/v1/passes", { phone: "13911119999", name: "desk" }, admin);
    expect(staff.status).toBe(201);
  });
});
