import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, until, type TestSystem } from "../../test/system.ts";
import { decodeQrPng, launchChromium } from "../codes/qr.testing.ts";
import { auditLog, trips } from "../db/schema/index.ts";

let sys: TestSystem;
let operatorId: string;
let key: string;
let browser: Browser;
let server: ServerType;
let base: string;
const bearer = () => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  sys = await startTestSystem();
  const admin = await sys.t.staff("admin");
  operatorId = (await sys.t.auth.operatorByName("Blue Taxi Co")).id;
  key = (await sys.t.call("POST", `/api/v1/operators/${operatorId}/api-keys`, { name: "dispatch" }, admin)).json.key;
  browser = await launchChromium();
  server = serve({ fetch: (req, env) => sys.t.app.fetch(req, env), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await sys?.close();
});

async function fleet(items: { externalId: string; plate: string; kind: "taxi" | "ride_hail" }[]) {
  const res = await sys.t.call("PUT", `/api/v1/operators/${operatorId}/vehicles`, { vehicles: items }, bearer());
  expect(res.status, res.text).toBe(200);
  const cars = res.json.vehicles as { id: string; externalId: string; plate: string }[];
  return items.map((i) => cars.find((c) => c.externalId === i.externalId)!);
}
const driver = (body: Record<string, unknown>) => sys.t.call("POST", `/api/v1/operators/${operatorId}/drivers`, body, bearer());

describe("drivers linked to vehicles", () => {
  it("gives a taxi up to three drivers in shifts and a ride-hail driver one car", async () => {
    const [taxi, car1, car2] = await fleet([
      { externalId: "taxi-1", plate: "鲁A·T0001", kind: "taxi" },
      { externalId: "rh-1", plate: "鲁A·R0001", kind: "ride_hail" },
      { externalId: "rh-2", plate: "鲁A·R0002", kind: "ride_hail" },
    ]);
    for (const ref of ["D-1", "D-2", "D-3"]) expect((await driver({ ref, name: `司机${ref}`, vehicleIds: [taxi!.id] })).status).toBe(201);
    const fourth = await driver({ ref: "D-4", name: "第四位", vehicleIds: [taxi!.id] });
    expect([fourth.status, fourth.json.error.code]).toEqual([409, "too_many_drivers"]);
    const twoCars = await driver({ ref: "D-5", name: "网约车司机", vehicleIds: [car1!.id, car2!.id] });
    expect(twoCars.status).toBe(400);
    const again = await driver({ ref: "D-1", name: "重复", vehicleIds: [] });
    expect(again.status).toBe(409);
    const listed = await sys.t.call("GET", `/api/v1/operators/${operatorId}/drivers`, undefined, bearer());
    const d1 = listed.json.drivers.find((d: { ref: string }) => d.ref === "D-1");
    expect(d1.vehicleIds).toEqual([taxi!.id]);
    expect(listed.text).not.toContain("司机D-1"); // names are masked outside the driver's own page
  });

  it("puts the ride-hail car's one driver on a trip whose agent named none, and keeps a named driver", async () => {
    const [car] = await fleet([{ externalId: "rh-9", plate: "鲁A·R0009", kind: "ride_hail" }]);
    expect((await driver({ ref: "RH-DRIVER-9", name: "李师傅", phone: "13900000009", vehicleIds: [car!.id] })).status).toBe(201);
    const agent = await sys.t.call("POST", `/api/v1/operators/${operatorId}/vehicles/${car!.id}/agent`, undefined, bearer());
    const client = await sys.connect({ id: car!.id, password: agent.json.agent.password });
    const unnamed = randomUUID();
    const named = randomUUID();
    const ts = Date.now() - 60_000;
    await client.publishAsync(sys.topic(car!.id, "trip"), JSON.stringify({ event: "start", tripId: unnamed, ts }), { qos: 1 });
    await client.publishAsync(sys.topic(car!.id, "trip"), JSON.stringify({ event: "end", tripId: unnamed, ts: ts + 1000 }), { qos: 1 });
    await client.publishAsync(sys.topic(car!.id, "trip"), JSON.stringify({ event: "start", tripId: named, ts: ts + 2000, driverId: "RELIEF-1" }), { qos: 1 });
    const driverOf = async (id: string) => (await sys.t.deps.db.select({ d: trips.driverId }).from(trips).where(eq(trips.id, id)))[0]?.d;
    await until(async () => (await driverOf(named)) !== undefined && (await driverOf(unnamed)) !== undefined, "both trips stored");
    expect(await driverOf(unnamed)).toBe("RH-DRIVER-9");
    expect(await driverOf(named)).toBe("RELIEF-1");
  });

  it("shows the driver the vehicle's live code on their own page, on a phone", async () => {
    const [car] = await fleet([{ externalId: "rh-10", plate: "鲁A·R0010", kind: "ride_hail" }]);
    const created = await driver({ ref: "RH-10", name: "王师傅", vehicleIds: [car!.id] });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(created.json.page.url.replace(sys.t.deps.config.publicUrl, base));
    await page.getByText("鲁A·R0010").waitFor();
    const png = await page.locator("img.live").screenshot();
    const [text = ""] = await decodeQrPng(png);
    expect(text).toMatch(new RegExp(`^${sys.t.deps.config.publicUrl}/v/L1\\.`));
    // The live code checks a passenger in on this car.
    const scan = await sys.t.call("POST", "/api/v1/checkins", { code: text.split("/v/")[1], phone: "13800001010" });
    expect([scan.status, scan.json.vehicle.plate]).toEqual([201, "鲁A·R0010"]);
    // The driver sees who is on board: the count the page polls, and on the page itself.
    const token = created.json.page.url.split("/driver/")[1];
    const count = await sys.t.call("GET", `/driver/${token}/vehicles/${car!.id}/on-board.json`);
    expect([count.status, count.json.onBoard]).toEqual([200, 1]);
    await page.reload();
    await expect.poll(() => page.locator(".onboard strong").textContent()).toBe("1");
    // Another driver's link does not open this car's count.
    const other = await driver({ ref: "RH-11", name: "李师傅" });
    const otherToken = other.json.page.url.split("/driver/")[1];
    expect((await sys.t.call("GET", `/driver/${otherToken}/vehicles/${car!.id}/on-board.json`)).status).toBe(404);
    expect(errors).toEqual([]);
    await page.close();
    const audited = await sys.t.deps.db.select().from(auditLog).where(eq(auditLog.action, "driver.create"));
    expect(audited.length).toBeGreaterThanOrEqual(5);
  });
});
