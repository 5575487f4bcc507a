import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signPass, vehicleTopic, type AckMessage } from "../../../protocol/index.ts";
import { createLogger } from "../logger.ts";
import type { VehicleBus } from "../mqtt/vehicle-bus.ts";
import { createTestApp, type TestApp } from "../../test/harness.ts";
import { createIngest } from "./ingest.ts";

// What ingest writes to the log when it refuses a message: the reason, never the pass token.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("ingest logs", () => {
  it("logs why a check-in was refused or dropped, and never the pass token", async () => {
    const lines: string[] = [];
    const logger = createLogger("debug", { write: (line: string) => void lines.push(line) });
    const acks: AckMessage[] = [];
    const bus: VehicleBus = { ack: async (_v, m) => void acks.push(m), display: async () => {}, alert: async () => {} };
    const ingest = createIngest({ ...t.deps, logger }, t.database, bus);
    const admin = await t.staff("admin");
    const vehicleId = (await t.call("POST", "/api/v1/vehicles", { plate: "LOG-1", kind: "taxi" }, admin)).json.id as string;

    const pass = signPass(t.deps.keys.passSigning, { personId: randomUUID(), issuedAt: 1_780_000_000 });
    const forged = `${pass.slice(0, -6)}AAAAAA`;
    const topic = vehicleTopic("", vehicleId, "checkin");
    const send = (body: unknown) => ingest.handle(topic, Buffer.from(JSON.stringify(body)));
    send({ checkinId: randomUUID(), ts: Date.now(), pass: forged, seq: 1 }); // forged
    send({ checkinId: randomUUID(), ts: Date.now(), pass, seq: 2 }); // genuine, unknown person
    send({ checkinId: "not-a-uuid", ts: Date.now(), pass, seq: 3 }); // malformed
    send({ checkinId: randomUUID(), ts: Date.now(), pass: pass.repeat(4), seq: 4 }); // longer than any pass (512)
    await ingest.drain();

    expect(acks.flatMap((a) => a.rejected?.map((r) => r.code) ?? []).sort()).toEqual(["bad_pass", "schema", "schema", "unknown_person"]);
    const log = lines.join("");
    expect(log).toContain("bad_pass");
    expect(log).toContain("unknown_person");
    expect(log).toContain("checkinId");
    for (const secret of [pass, forged, pass.split(".")[1]!, pass.split(".")[2]!]) expect(log).not.toContain(secret);
  });
});
