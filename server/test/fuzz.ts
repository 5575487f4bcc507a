import { randomUUID } from "node:crypto";
import fc from "fast-check";

/**
 * Arbitraries for the fuzzer (server/src/security/fuzz.test.ts), driven by
 * JSON Schema — the API's OpenAPI document, and z.toJSONSchema of the MQTT
 * payloads — so that every field of every operation gets both values the
 * schema accepts (reaching the handlers and the database) and hostile ones.
 */

export interface JsonSchema {
  type?: string | string[];
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
}

/** Replaced in the serialised JSON by what JSON.stringify cannot write: 1e400 parses to Infinity. */
const INFINITY = "\u{10FFFF}INF\u{10FFFF}";
/** Replaced by a 5,000-deep array: deep enough to hurt any recursive walker, small enough for the body limit. */
const DEEP = "\u{10FFFF}DEEP\u{10FFFF}";

export function serialise(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll(JSON.stringify(INFINITY), "1e400")
    .replaceAll(JSON.stringify(DEEP), "[".repeat(5000) + "]".repeat(5000));
}

/** Text that is text: CJK, Arabic, emoji, bidi marks (right-to-left mark, RLO), combining marks. */
const ordinary = fc.constantFrom("K51", "鲁A12345", "王小明", "شركة", "שלום", "🚌🧑‍🦯", "a\u200fb", "\u202eevil", "e\u0301", "𠀀", " padded ");

/** Text that is not: NUL, other C0, DEL, C1, lone surrogates (both halves), and a NUL-looking escape. */
export const hostileText = fc.oneof(
  // NUL first: PostgreSQL text cannot hold it, so it is the one that reached the database as a 500.
  { arbitrary: fc.constantFrom("\u0000", "K\u000051", "ok\u0000"), weight: 4 },
  { arbitrary: fc.constantFrom("\u0001", "\t", "\n", "\r\n", "\u001b[31m", "\u007f", "\u0085", "\u009f", "\ud800", "x\udfffy", "\udbff", "%00", "\\u0000"), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 12 }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 8 }), weight: 1 },
);

/** Times a client might send that the system never records: years 0, 1999, 2100, 9999, 275760, impossible days. */
const hostileTimes = fc.constantFrom(
  "0000-01-01T00:00:00Z",
  "1999-12-31T23:59:59Z",
  "2100-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "+275760-09-13T00:00:00Z",
  "275760-09-13T00:00:00.000Z",
  "2026-02-30T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-11-28T25:00:00Z",
  "2026-11-28",
);
const hostileMs = fc.constantFrom(0, -1, 946_684_799_999, 4_102_444_800_001, 8.64e15, 253_402_300_799_000, 1_732_780_800, 1.5e12 + 0.5);

const hostileNumbers = fc.constantFrom(-1, 0, -0, 0.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324, INFINITY);

/** A value of the wrong type, or too big, or too deep. */
const wrongType = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, "", "null", 42, [null], { $ne: 1 }, JSON.parse('{"__proto__":{"admin":true}}') as unknown, DEEP),
  fc.constantFrom(1, 60_000).map((n) => "x".repeat(n)),
  fc.jsonValue({ maxDepth: 4 }),
);

export interface Pools {
  /** Ids of real rows (vehicles, persons, check-ins, traces), so that requests get past "not found". */
  uuids: string[];
  /** Values that are valid for a named field (a phone, a pass, a code), so that requests get to the database. */
  named: Record<string, string[]>;
}

const recentIso = () => fc.integer({ min: -3 * 86_400_000, max: 60_000 }).map((d) => new Date(Date.now() + d).toISOString());

function validString(schema: JsonSchema, name: string | undefined, pools: Pools): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as string[]));
  if (schema.const !== undefined) return fc.constant(String(schema.const));
  if (name && pools.named[name]?.length) return fc.constantFrom(...pools.named[name]!);
  if (schema.format === "uuid") return fc.oneof(fc.constantFrom(...pools.uuids), fc.uuid());
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  if (schema.format === "date-time") {
    return fc.oneof(recentIso(), fc.constantFrom("2000-01-01T00:00:00Z", "2099-12-31T23:59:59+08:00", "2026-11-28T08:00:00.123456Z"));
  }
  const min = schema.minLength ?? 0;
  const max = Math.max(min, schema.maxLength ?? 64);
  return fc.array(ordinary, { minLength: 1, maxLength: 4 }).map((parts) => {
    let s = parts.join("");
    while (s.length < min) s += "字";
    // Cut at the limit without splitting a surrogate pair (that would make a lone surrogate on purpose).
    return Array.from(s).reduce((acc, ch) => (acc.length + ch.length <= max ? acc + ch : acc), "");
  });
}

function validNumber(schema: JsonSchema, integer: boolean, name: string | undefined): fc.Arbitrary<number> {
  const lo = schema.minimum ?? (integer ? -1000 : -1e6);
  const hi = schema.maximum ?? (integer ? 1000 : 1e6);
  // Epoch-millisecond fields: near now, where the data that matters is.
  if (name === "ts") return fc.integer({ min: -3 * 86_400_000, max: 60_000 }).map((d) => Date.now() + d);
  const edge = fc.constantFrom(lo, hi);
  return integer ? fc.oneof(edge, fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) })) : fc.oneof(edge, fc.double({ min: lo, max: hi, noNaN: true }));
}

/** Hostile values for a field of this schema: text that is not text, bad times, out-of-range numbers, wrong types. */
function hostileFor(schema: JsonSchema, name: string | undefined): fc.Arbitrary<unknown> {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const specific =
    type === "string" && schema.format === "date-time"
      ? hostileTimes
      : type === "string"
        ? fc.oneof(hostileText, hostileText.map((h) => `ok${h}ok`), fc.constant("x".repeat((schema.maxLength ?? 64) + 1)))
        : type === "integer" || type === "number"
          ? name === "ts"
            ? hostileMs
            : fc.oneof(hostileNumbers, fc.constantFrom((schema.minimum ?? 0) - 1, (schema.maximum ?? 0) + 1))
          : wrongType;
  return fc.oneof({ arbitrary: specific, weight: 3 }, { arbitrary: wrongType, weight: 1 });
}

/**
 * A value for `schema`: one it accepts, or one with a single hostile field
 * (so that the rest gets past validation and the hostile value reaches the
 * handler and the database, as the audit's NUL in a seat did), or one with
 * each field hostile one time in `hostileOneIn`. Unknown shapes fall back to
 * JSON values.
 */
export function arbitraryFor(root: JsonSchema, components: Record<string, JsonSchema>, pools: Pools, hostileOneIn = 4) {
  const resolve = (s: JsonSchema): JsonSchema => (s.$ref ? resolve(components[s.$ref.split("/").pop()!] ?? {}) : s);

  function valid(s0: JsonSchema, name?: string, depth = 0): fc.Arbitrary<unknown> {
    const s = resolve(s0);
    const union = s.anyOf ?? s.oneOf;
    if (union) return fc.oneof(...union.map((u) => field(u, name, depth)));
    if (s.allOf) return field(s.allOf[0]!, name, depth);
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
    if (s.const !== undefined && type !== "string") return fc.constant(s.const);
    switch (type) {
      case "string":
        return validString(s, name, pools);
      case "integer":
      case "number":
        return validNumber(s, type === "integer", name);
      case "boolean":
        return fc.boolean();
      case "array":
        return fc.array(field(s.items ?? {}, name, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) });
      case "object": {
        const props = Object.entries(s.properties ?? {});
        const required = new Set(s.required ?? []);
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [key, sub] of props) record[key] = field(sub, key, depth + 1);
        const requiredKeys = props.map(([k]) => k).filter((k) => required.has(k));
        return fc.record(record, { requiredKeys });
      }
      default:
        return depth > 3 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
    }
  }

  function field(s: JsonSchema, name?: string, depth = 0): fc.Arbitrary<unknown> {
    return fc.oneof({ arbitrary: valid(s, name, depth), weight: hostileOneIn - 1 }, { arbitrary: hostileFor(resolve(s), name), weight: 1 });
  }

  const top = resolve(root);
  const props = Object.entries(top.properties ?? {});
  if (props.length === 0) return field(root);
  const requiredKeys = (top.required ?? []).filter((k) => props.some(([p]) => p === k));
  const oneHostile = fc.constantFrom(...props.map(([k]) => k)).chain((target) => {
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, sub] of props) record[key] = key === target ? hostileFor(resolve(sub), key) : valid(sub, key, 1);
    return fc.record(record, { requiredKeys: [...new Set([...requiredKeys, target])] });
  });
  return fc.oneof({ arbitrary: valid(top), weight: 2 }, { arbitrary: oneHostile, weight: 5 }, { arbitrary: field(root), weight: 3 });
}

/**
 * Percent-encodes for a URL as an attacker's client would send it: a lone
 * surrogate (which encodeURIComponent refuses) as its WTF-8 bytes.
 */
export function pct(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else {
      out += encodeURIComponent(s[i]!);
    }
  }
  return out;
}

/** A path or query value: valid for the schema most of the time, hostile otherwise; always a string on the wire. */
export function paramFor(schema: JsonSchema, name: string, components: Record<string, JsonSchema>, pools: Pools) {
  return arbitraryFor(schema, components, pools, 3).map((v) => (typeof v === "string" ? v : v === undefined ? "" : serialise(v)));
}

export const freshId = () => randomUUID();
