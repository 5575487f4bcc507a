import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { liveEvent, type LiveVehicle } from "../../../protocol/api/live.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** Reads server-sent events from GET /api/v1/live until `until` is satisfied, then hangs up. */
async function readLive(headers: Record<string, string>, until: (events: { event: string; vehicles: LiveVehicle[] }[]) => boolean, during?: () => Promise<void>) {
  const res = await t.app.request("/api/v1/live", { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.getReader();
  const events: { event: string; vehicles: LiveVehicle[] }[] = [];
  let buffer = "";
  let started = false;
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, vehicles: JSON.parse(data).vehicles });
      }
      if (!started && events.length > 0) {
        started = true;
        await during?.();
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

async function setState(vehicleId: string, lat: number, lon: number, online: boolean) {
  await t.deps.db.execute(sql`
    insert into vehicle_state (vehicle_id, last_ts, lat, lon, online, updated_at) values (${vehicleId}, now(), ${lat}, ${lon}, ${online}, clock_timestamp())
    on conflict (vehicle_id) do update set last_ts = excluded.last_ts, lat = excluded.lat, lon = excluded.lon, online = excluded.online, updated_at = clock_timestamp()`);
}

describe("live vehicle positions (server-sent events)", () => {
  it("sends a snapshot of every vehicle's last fix, then only the vehicles that change", async () => {
    const admin = await t.staff("admin");
    const a = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·L0001", kind: "bus", routeId: "K51" }, admin);
    const b = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·L0002", kind: "taxi" }, admin);
    await setState(a.json.id, 36.65, 117.12, true);
    await setState(b.json.id, 36.66, 117.13, false);

    const events = await readLive(
      { authorization: admin.authorization },
      (ev) => ev.some((e) => e.event === "update"),
      () => setState(a.json.id, 36.67, 117.14, true),
    );
    const snapshot = events[0]!;
    expect(snapshot.event).toBe("snapshot");
    expect(snapshot.vehicles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ vehicleId: a.json.id, plate: "鲁A·L0001", routeId: "K51", lat: 36.65, lon: 117.12, online: true, occupancy: null }),
        expect.objectContaining({ vehicleId: b.json.id, plate: "鲁A·L0002", online: false }),
      ]),
    );
    const update = events.find((e) => e.event === "update")!;
    expect(update.vehicles).toEqual([expect.objectContaining({ vehicleId: a.json.id, lat: 36.67, lon: 117.14 })]);
  });

  it("counts the open trip's passengers who have not checked out as its occupancy", async () => {
    const admin = await t.staff("admin");
    const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·L0003", kind: "bus" }, admin);
    const tripId = "01930000-0000-7000-8000-000000000001";
    await t.deps.db.execute(sql`insert into trips (id, vehicle_id, started_at) values (${tripId}, ${v.json.id}, now() - interval '10 minutes')`);
    await setState(v.json.id, 36.6, 117.1, true);
    await t.deps.db.execute(sql`update vehicle_state set open_trip_id = ${tripId} where vehicle_id = ${v.json.id}`);
    for (const [i, alighted] of [false, false, true].entries()) {
      const person = `01930000-0000-7000-8000-00000000010${i}`;
      await t.deps.db.execute(sql`insert into persons (id, phone_hash, phone_enc) values (${person}, ${`h${i}`}, 'x')`);
      await t.deps.db.execute(sql`
        insert into checkins (id, vehicle_id, boarded_at, person_id, source, alighted_at)
        values (${`01930000-0000-7000-8000-00000000020${i}`}, ${v.json.id}, now() - interval '5 minutes', ${person}, 'scan', ${alighted ? sql`now()` : null})`);
    }
    const [snapshot] = await readLive({ authorization: admin.authorization }, (ev) => ev.length > 0);
    expect(snapshot!.vehicles.find((x) => x.vehicleId === v.json.id)).toMatchObject({ tripId, occupancy: 2 });
    // Exactly the contract the console reads (protocol/api/).
    expect(liveEvent.parse({ vehicles: snapshot!.vehicles })).toEqual({ vehicles: snapshot!.vehicles });
  });

  it("shows operators only their own fleet, and nobody who is not signed in", async () => {
    const mine = await t.staff("operator", "Live Bus Co");
    const v = await t.call("POST", "/api/v1/vehicles", { plate: "鲁A·L0009", kind: "bus" }, mine);
    await setState(v.json.id, 36.6, 117.1, true);
    const [snapshot] = await readLive({ authorization: mine.authorization }, (ev) => ev.length > 0);
    expect(snapshot!.vehicles.map((x) => x.plate)).toEqual(["鲁A·L0009"]);

    const anon = await t.app.request("/api/v1/live");
    expect(anon.status).toBe(401);
    expect((await anon.json()).error.code).toBe("unauthorized");
  });
});
