import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { liveCodeUrl } from "./live-code.ts";
import { decodeQrPng, launchChromium, renderSvg } from "./qr.testing.ts";

let t: TestApp;
let browser: Browser;
let admin: { authorization: string };
beforeAll(async () => {
  [t, browser] = await Promise.all([createTestApp(), launchChromium()]);
  admin = await t.staff("admin");
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function register(plate: string, auth = admin, extra: Record<string, unknown> = {}) {
  const res = await t.call("POST", "/api/v1/vehicles", { plate, kind: "bus", routeId: "K51", ...extra }, auth);
  expect(res.status).toBe(201);
  return res.json as { id: string; code: { id: string; url: string } };
}

const bytes = async (path: string, headers: Record<string, string>) => {
  const res = await t.app.request(path, { headers });
  return { status: res.status, type: res.headers.get("content-type"), body: new Uint8Array(await res.arrayBuffer()) };
};

describe("vehicle codes", () => {
  it("serves a PNG that a real QR decoder reads as the vehicle's URL", async () => {
    const v = await register("鲁A·C0001");
    const png = await bytes(`/api/v1/vehicles/${v.id}/code.png`, admin);
    expect(png.status).toBe(200);
    expect(png.type).toBe("image/png");
    expect(await decodeQrPng(png.body)).toEqual([`http://transit.test/v/${v.code.id}`]);
  });

  it("serves an SVG that, drawn by a browser, decodes to the vehicle's URL", async () => {
    const v = await register("鲁A·C0002");
    const svg = await t.call("GET", `/api/v1/vehicles/${v.id}/code.svg`, undefined, admin);
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toContain("image/svg+xml");
    expect(await decodeQrPng(await renderSvg(browser, svg.text))).toEqual([`http://transit.test/v/${v.code.id}`]);
  });

  it("prints a poster with plate, route and instructions in Chinese and English, sized for A5 or A4", async () => {
    const v = await register("鲁A·C0003");
    const a5 = await t.call("GET", `/api/v1/vehicles/${v.id}/poster`, undefined, admin);
    expect(a5.status).toBe(200);
    expect(a5.headers.get("content-type")).toContain("text/html");
    expect(a5.text).toContain("鲁A·C0003");
    expect(a5.text).toContain("K51");
    expect(a5.text).toContain("如何登记");
    expect(a5.text).toContain("How to check in");
    expect(a5.text).toContain("size: A5");
    expect(a5.text).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/); // no external assets
    const a4 = await t.call("GET", `/api/v1/vehicles/${v.id}/poster?size=A4`, undefined, admin);
    expect(a4.text).toContain("size: A4");
  });

  it("rotates a code: the new one works, the old one answers 410 on the page and in the API", async () => {
    const v = await register("鲁A·C0004");
    const rotated = await t.call("POST", `/api/v1/vehicles/${v.id}/code/rotate`, undefined, admin);
    expect(rotated.status).toBe(201);
    expect(rotated.json.id).not.toBe(v.code.id);
    expect(rotated.json.url).toBe(`http://transit.test/v/${rotated.json.id}`);

    const oldPage = await t.call("GET", `/v/${v.code.id}`);
    expect(oldPage.status).toBe(410);
    expect(oldPage.text).toContain("二维码已失效");
    const oldApi = await t.call("POST", "/api/v1/checkins", { code: v.code.id, phone: "13800000001" });
    expect(oldApi.status).toBe(410);
    expect(oldApi.json.error.code).toBe("code_revoked");

    expect((await t.call("GET", `/v/${rotated.json.id}`)).status).toBe(200);
    const png = await bytes(`/api/v1/vehicles/${v.id}/code.png`, admin);
    expect(await decodeQrPng(png.body)).toEqual([rotated.json.url]);
    const got = await t.call("GET", `/api/v1/vehicles/${v.id}`, undefined, admin);
    expect(got.json.code.id).toBe(rotated.json.id);
  });

  it("follows a staff change at once for a code scanned a moment ago (this process's resolved codes are forgotten)", async () => {
    const v = await register("鲁A·C0009");
    const live = liveCodeUrl(t.deps, v.id).token;
    // Scanned from the poster and from the driver's screen: both are now resolved and remembered.
    expect((await t.call("POST", "/api/v1/checkins", { code: v.code.id, phone: "13800000091" })).json.vehicle.plate).toBe("鲁A·C0009");
    expect((await t.call("POST", "/api/v1/checkins", { code: live, phone: "13800000092" })).status).toBe(201);

    expect((await t.call("PATCH", `/api/v1/vehicles/${v.id}`, { plate: "鲁A·C0010", routeId: "K52" }, admin)).status).toBe(200);
    const renamed = await t.call("POST", "/api/v1/checkins", { code: v.code.id, phone: "13800000093" });
    expect(renamed.json.vehicle).toMatchObject({ plate: "鲁A·C0010", routeId: "K52" });
    expect((await t.call("GET", `/v/${live}`)).text).toContain("鲁A·C0010");

    const rotated = await t.call("POST", `/api/v1/vehicles/${v.id}/code/rotate`, undefined, admin);
    expect((await t.call("POST", "/api/v1/checkins", { code: v.code.id, phone: "13800000094" })).json.error.code).toBe("code_revoked");

    expect((await t.call("POST", `/api/v1/vehicles/${v.id}/retire`, undefined, admin)).status).toBe(200);
    for (const code of [rotated.json.id as string, live]) {
      const refused = await t.call("POST", "/api/v1/checkins", { code, phone: "13800000095" });
      expect([refused.status, refused.json.error.code]).toEqual([410, "vehicle_retired"]);
    }
  });

  it("answers an unknown code with 404 on the page and code_not_found in the API", async () => {
    expect((await t.call("GET", "/v/AAAAAAAAAAAAAAAAAAAAAA")).status).toBe(404);
    const api = await t.call("POST", "/api/v1/checkins", { code: "AAAAAAAAAAAAAAAAAAAAAA", phone: "13800000001" });
    expect(api.status).toBe(404);
    expect(api.json.error.code).toBe("code_not_found");
  });

  it("lets only the fleet's own staff print or rotate its code", async () => {
    const a = await t.staff("operator", "Jinan Bus");
    const b = await t.staff("operator", "Qingdao Taxi");
    const tracer = await t.staff("tracer");
    const v = await register("鲁A·C0005", a);
    expect((await t.call("GET", `/api/v1/vehicles/${v.id}/poster`, undefined, a)).status).toBe(200);
    expect((await t.call("GET", `/api/v1/vehicles/${v.id}/code.png`, undefined, b)).status).toBe(403);
    expect((await t.call("POST", `/api/v1/vehicles/${v.id}/code/rotate`, undefined, b)).status).toBe(403);
    expect((await t.call("GET", `/api/v1/vehicles/${v.id}/code.svg`, undefined, tracer)).status).toBe(403);
    expect((await t.call("GET", `/api/v1/vehicles/${v.id}/poster`)).status).toBe(401);
    expect((await t.call("POST", `/api/v1/vehicles/${v.id}/code/rotate`)).status).toBe(401);
    // The old code still works after the refused rotations.
    expect((await t.call("GET", `/v/${v.code.id}`)).status).toBe(200);
  });
});
