import { randomUUID } from "node:crypto";
import fc from "fast-check";
import type { MqttClient } from "mqtt";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkinMessage, MAX_PAYLOAD_BYTES, positionMessage, signPass, statusMessage, tripMessage, type AckMessage, type AgentChannel } from "../../../protocol/index.ts";
import { rowsOf } from "../db/client.ts";
import { arbitraryFor, paramFor, pct, serialise, type JsonSchema, type Pools } from "../../test/fuzz.ts";
import { startTestSystem, until, type RegisteredVehicle, type TestSystem } from "../../test/system.ts";

/*
 * Issue 10, part 11: a fuzzer over the whole surface. Every operation of
 * /api/v1/openapi.json (path, query, cookie and JSON body, as an admin so it
 * gets past auth) and every agent topic over a real broker connection get
 * values their schemas accept and hostile ones (NUL, lone surrogates, bidi
 * marks, huge and 5,000-deep JSON, years 0, 9999 and 275760, out-of-range
 * numbers, wrong types). The server must answer no 5xx, ack or reject every
 * MQTT message that has a seq, keep working, and store no row a person could
 * not have typed. About a minute in all; a failure prints its seed and the
 * shrunk request.
 */

const HTTP_BUDGET_MS = 25_000;
const MQTT_MESSAGES_PER_CHANNEL = 100;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

interface Operation {
  method: string;
  path: string;
  parameters: { in: string; name: string; required?: boolean; schema: JsonSchema }[];
  body?: JsonSchema;
  contentType?: string;
}

interface FuzzRequest {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  cookie?: string;
  body?: string;
  contentType: string;
}

let sys: TestSystem;
let admin: { authorization: string };
let vehicle: RegisteredVehicle;
let pools: Pools;
let validPass: string;

beforeAll(async () => {
  sys = await startTestSystem();
  admin = { authorization: (await sys.t.staff("admin")).authorization };
  vehicle = await sys.registerVehicle({ routeId: "K51" });
  const device = await sys.t.verifyPhone("13800000001", { name: "王芳" });
  const checkin = await sys.t.call("POST", "/api/v1/checkins", { code: vehicle.code.id }, { cookie: device.cookie });
  expect(checkin.status, checkin.text).toBe(201);
  const now = Date.now();
  const window = { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() };
  const trace = await sys.t.call("POST", "/api/v1/traces", { personId: checkin.json.personId, ...window, reason: "fuzz seed" }, admin);
  expect(trace.status, trace.text).toBe(201);
  validPass = signPass(sys.t.deps.keys.passSigning, { personId: checkin.json.personId, issuedAt: Math.floor(now / 1000) });
  pools = {
    uuids: [vehicle.id, checkin.json.personId, checkin.json.checkinId, trace.json.id],
    named: {
      phone: ["13800000002", "+8613800000003", "138 0000 0004"],
      code: [vehicle.code.id],
      file: [trace.json.id, `${trace.json.id}.csv`, `${trace.json.id}.geojson`],
      pass: [validPass],
      personIds: [checkin.json.personId],
    },
  };
}, 120_000);
afterAll(() => sys?.close());

async function operations(): Promise<{ ops: Operation[]; components: Record<string, JsonSchema> }> {
  const doc = (await sys.t.call("GET", "/api/v1/openapi.json")).json as {
    paths: Record<string, Record<string, { parameters?: Operation["parameters"]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const [contentType, media] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: media?.schema, contentType });
    }
  }
  // Signing out ends the fuzzer's own session: last. Signing in hashes passwords (slow): just before, with the time the fast ones left.
  const rank = (op: Operation) => (op.path === "/auth/logout" ? 2 : op.path === "/auth/login" ? 1 : 0);
  ops.sort((a, b) => rank(a) - rank(b));
  return { ops, components: doc.components?.schemas ?? {} };
}

function requestFor(op: Operation, components: Record<string, JsonSchema>): fc.Arbitrary<FuzzRequest> {
  const params: Record<string, fc.Arbitrary<string>> = {};
  const query: Record<string, fc.Arbitrary<string>> = {};
  let cookie: fc.Arbitrary<string | undefined> = fc.constant(undefined);
  for (const p of op.parameters) {
    const arb = paramFor(p.schema ?? { type: "string" }, p.name, components, pools);
    if (p.in === "path") params[p.name] = arb;
    else if (p.in === "query") query[p.name] = arb;
    else if (p.in === "cookie") cookie = fc.option(arb.map((v) => `${p.name}=${pct(v)}`), { nil: undefined });
  }
  const rawBodies = fc.constantFrom("{", "", "null", "[]", '{"a":1', "\u0000", '{"x":"\\ud800"}', "x".repeat(70_000), `{"k":"${"y".repeat(60_000)}"}`, serialise({ k: "\u{10FFFF}DEEP\u{10FFFF}" }));
  const body = op.body
    ? fc.oneof({ arbitrary: arbitraryFor(op.body, components, pools).map(serialise), weight: 8 }, { arbitrary: rawBodies, weight: 2 })
    : fc.option(rawBodies, { nil: undefined, freq: 4 });
  const contentType = fc.oneof({ arbitrary: fc.constant("application/json"), weight: 9 }, { arbitrary: fc.constantFrom("text/plain", "application/x-www-form-urlencoded"), weight: 1 });
  return fc.record({ params: fc.record(params), query: fc.record(query, { requiredKeys: [] }), cookie, body, contentType });
}

async function send(op: Operation, req: FuzzRequest, authorization: string) {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => pct(req.params[name] ?? ""));
  const qs = Object.entries(req.query)
    .flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${pct(v)}`]))
    .join("&");
  const headers: Record<string, string> = { authorization, "content-type": req.contentType };
  if (req.cookie) headers.cookie = req.cookie;
  // fetch refuses a body on GET itself, before any server sees it.
  const body = op.method === "GET" || op.method === "HEAD" ? undefined : req.body;
  const res = await sys.t.app.request(`/api/v1${path}${qs ? `?${qs}` : ""}`, { method: op.method, headers, body });
  // The live stream never ends by itself: its status is all this needs.
  if (res.headers.get("content-type")?.includes("text/event-stream")) await res.body?.cancel();
  else await res.arrayBuffer();
  return res;
}

describe("the API under hostile input", () => {
  it("answers every operation of the OpenAPI document without a 5xx", async () => {
    const { ops, components } = await operations();
    expect(ops.length).toBeGreaterThan(20);
    const failures = new Map<string, string>();
    let requests = 0;

    async function fuzz(op: Operation, runs: { numRuns: number; timeLimitMs?: number; pass: number }) {
      // A fuzzed request may end the session (sign-out, a password change): sign in again.
      if ((await sys.t.call("GET", "/api/v1/auth/me", undefined, admin)).status === 401) admin = { authorization: (await sys.t.staff("admin")).authorization };
      const run = await fc.check(
        fc.asyncProperty(requestFor(op, components), async (req) => {
          requests++;
          const res = await send(op, req, admin.authorization);
          return res.status < 500;
        }),
        // A seed of its own per operation and pass, all derived from the one printed: different values, replayable.
        { seed: seed + runs.pass * 1000 + ops.indexOf(op), numRuns: runs.numRuns, interruptAfterTimeLimit: runs.timeLimitMs, markInterruptAsFailure: false },
      );
      // A run cut short by the time budget before its first request ends is "failed" with no counterexample: not a finding.
      if (run.failed && run.counterexample) {
        failures.set(`${op.method} ${op.path}`, `${fc.stringify(run.counterexample).slice(0, 600)} ${String(run.errorInstance ?? "").slice(0, 300)}`);
      }
    }

    // Every operation a few times first, however slow (signing in and registering hash passwords) …
    for (const op of ops) await fuzz(op, { numRuns: 5, pass: 1 });
    // … then the rest of the budget shared out; fast operations stop at numRuns and leave their time to the ones after them.
    const deadline = Date.now() + HTTP_BUDGET_MS;
    for (const [i, op] of ops.entries()) {
      await fuzz(op, { numRuns: 150, timeLimitMs: Math.max(500, (deadline - Date.now()) / (ops.length - i)), pass: 2 });
    }
    expect(Object.fromEntries(failures), `seed ${seed}, ${requests} requests`).toEqual({});
    expect((await sys.t.call("GET", "/health")).status).toBe(200);
  }, 120_000);
});

describe("MQTT ingest under hostile payloads", () => {
  const channels: Record<Exclude<AgentChannel, never>, z.ZodType> = { position: positionMessage, trip: tripMessage, checkin: checkinMessage, status: statusMessage };

  async function inbox(client: MqttClient, vehicleId: string) {
    const acked = new Set<number>();
    client.on("message", (_topic, payload) => {
      const ack = JSON.parse(payload.toString()) as AckMessage;
      for (const s of [...ack.seqs, ...(ack.rejected ?? []).map((r) => r.seq)]) acked.add(s);
    });
    await client.subscribeAsync(sys.topic(vehicleId, "ack"), { qos: 1 });
    return acked;
  }

  it("acks or rejects every message that has a seq, and keeps ingesting", async () => {
    // A vehicle of its own: the API fuzzer may have reset the first one's agent password.
    const v = await sys.registerVehicle();
    const client = await sys.connect(v);
    const acked = await inbox(client, v.id);
    const tracked: number[] = [];
    const payloads = new Map<number, string>();
    let seq = 1;
    for (const [channel, schema] of Object.entries(channels)) {
      const arb = arbitraryFor(z.toJSONSchema(schema) as JsonSchema, {}, pools, 3);
      for (const body of fc.sample(arb, { seed, numRuns: MQTT_MESSAGES_PER_CHANNEL })) {
        let payload: unknown = body;
        // Every JSON object gets a seq the server must answer (status messages carry none), unless too large to be read.
        const small = serialise(body).length < MAX_PAYLOAD_BYTES - 100;
        if (channel !== "status" && small && typeof body === "object" && body !== null && !Array.isArray(body)) {
          payload = { ...body, seq };
          payloads.set(seq, `${channel} ${serialise(payload)}`);
          tracked.push(seq++);
        }
        await client.publishAsync(sys.topic(v.id, channel as AgentChannel), serialise(payload), { qos: 1 });
      }
    }
    const raw = ["{", "", "\u0000", "null", Buffer.from([0xff, 0xfe, 0x00]), "x".repeat(200 * 1024), `{"seq":${seq},"points":${"[".repeat(5000)}${"]".repeat(5000)}}`];
    tracked.push(seq++);
    for (const payload of raw) await client.publishAsync(sys.topic(v.id, "position"), payload, { qos: 1 });

    await until(() => tracked.every((s) => acked.has(s)), `acks of all ${tracked.length} messages with a seq (seed ${seed})`, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; missing ${tracked.filter((s) => !acked.has(s)).slice(0, 20).map((s) => `${s}: ${payloads.get(s)?.slice(0, 300)}`).join("\n")}`);
    });

    // Still ingesting: a plain fix and a trip are stored and acked.
    const ts = Date.now();
    await client.publishAsync(sys.topic(v.id, "position"), JSON.stringify({ ts, lat: 36.65, lon: 117.12, seq: 1_000_000 }), { qos: 1 });
    await client.publishAsync(sys.topic(v.id, "trip"), JSON.stringify({ event: "start", tripId: randomUUID(), ts, routeId: "K51", seq: 1_000_001 }), { qos: 1 });
    await until(() => acked.has(1_000_000) && acked.has(1_000_001), "acks after the fuzzing");
    expect((await sys.t.call("GET", "/health")).status).toBe(200);
  }, 120_000);
});

describe("what the fuzzing left in the database", () => {
  it("holds no control character, no lone surrogate and no time outside 2000–2100", async () => {
    await sys.drain();
    const db = sys.t.deps.db;
    const columns = rowsOf<{ tbl: string; col: string; type: string }>(
      await db.execute(`
        select c.relname as tbl, a.attname as col, format_type(a.atttypid, a.atttypmod) as type
        from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition and a.attnum > 0 and not a.attisdropped
          and (format_type(a.atttypid, a.atttypmod) in ('text', 'jsonb', 'json', 'date') or format_type(a.atttypid, a.atttypmod) like 'character varying%'
               or format_type(a.atttypid, a.atttypmod) like 'timestamp%')`),
    );
    expect(columns.length).toBeGreaterThan(10);
    // U+FFFD: what a lone surrogate becomes on its way to UTF-8. In JSON, controls are written as \u00XX escapes.
    const badText = `[\\u0001-\\u001f\\u007f-\\u009f\\ufffd]`;
    const bad: string[] = [];
    for (const { tbl, col, type } of columns) {
      const c = `"${col}"`;
      const where = type.startsWith("timestamp") || type === "date"
        ? `${c} < '2000-01-01' or ${c} >= '2100-01-01'`
        : type.startsWith("json")
          ? `${c}::text ~ '${badText}' or ${c}::text ~ '\\\\u00[01][0-9a-fA-F]'`
          : `${c} ~ '${badText}'`;
      const [row] = rowsOf<{ n: number }>(await db.execute(`select count(*)::int as n from "${tbl}" where ${where}`));
      if (Number(row?.n) > 0) bad.push(`${tbl}.${col}: ${row!.n} rows`);
    }
    expect(bad, `seed ${seed}`).toEqual([]);
    const [stored] = rowsOf<{ n: number }>(await db.execute(`select count(*)::int as n from vehicles`));
    expect(Number(stored?.n), "the fuzzer stored some vehicles, so the check above looked at something").toBeGreaterThan(2);
  });
});
