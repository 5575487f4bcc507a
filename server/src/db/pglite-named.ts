import { createHash } from "node:crypto";
import { parse, protocol, types, type PGlite } from "@electric-sql/pglite";

/*
 * Named prepared statements on PGlite. Its query() sends every statement
 * unnamed, so the embedded database parses and plans it at every call, in
 * WebAssembly on the server's own thread: 4.5 ms for the remembered
 * passenger's statement, of which 0.3 ms is running it. A named statement on
 * a generic plan is parsed and planned once. PGlite has no API for one; its
 * wire protocol (execProtocol) has, with the protocol's own serialiser.
 *
 * PGlite is one session shared by every request, so a statement is sent the
 * way its own query() sends one: after any open transaction of another
 * caller has finished (_runExclusiveTransaction, else it would run inside
 * that transaction), then all its messages in one synchronous call.
 */

/** The PGlite internals query() itself uses to wait its turn (@electric-sql/pglite 0.5). */
interface Exclusive {
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  _checkReady(): Promise<void>;
  parsers: Parameters<typeof parse.parseResults>[1];
}

/** Rows as drizzle's PGlite driver gives them: timestamps, intervals and dates left as text (see prepared.ts). */
const AS_TEXT = (value: string) => value;
const DRIZZLE_PARSERS = { rowMode: "object" as const, parsers: Object.fromEntries([types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map((t) => [t, AS_TEXT])) };

/**
 * PGlite's parsers with drizzle's over them, merged once per set of PGlite's:
 * given separately, parseResults merges them at every statement (a copy of
 * some two hundred entries, a sixth of a statement's CPU on the server's side).
 */
const merged = new WeakMap<object, Exclusive["parsers"]>();
function parsersOf(pg: Exclusive): Exclusive["parsers"] {
  let parsers = merged.get(pg.parsers);
  if (!parsers) {
    parsers = { ...pg.parsers, ...DRIZZLE_PARSERS.parsers };
    merged.set(pg.parsers, parsers);
  }
  return parsers;
}

/** Beyond this many texts a statement is sent unnamed: a caller whose text varies must not fill the session. */
const MAX_NAMED = 200;

const prepared = new WeakMap<PGlite, Set<string>>();

export function pgliteSupportsNamed(pg: unknown): pg is PGlite {
  const p = pg as Partial<Exclusive & PGlite> | null;
  return !!p && typeof p.execProtocol === "function" && typeof p._runExclusiveTransaction === "function" && typeof p._runExclusiveQuery === "function";
}

/** Runs `text` as a named statement on a generic plan, preparing it on first use. */
export async function runNamed<T>(pg: PGlite, text: string, params: unknown[]): Promise<T[]> {
  const internals = pg as unknown as Exclusive;
  let names = prepared.get(pg);
  if (!names) {
    names = new Set();
    prepared.set(pg, names);
    // The session's setting applies to named statements only, and only this module makes them.
    await pg.exec("set plan_cache_mode = force_generic_plan");
  }
  const name = `s_${createHash("sha1").update(text).digest("hex")}`;
  // Arrays and bytes need the parameter's type to be written (PGlite's query() asks for it): sent unnamed.
  const plainValues = params.every((v) => !Array.isArray(v) && !(v instanceof Uint8Array));
  if (!plainValues || (!names.has(name) && names.size >= MAX_NAMED)) return (await pg.query<T>(text, params, DRIZZLE_PARSERS)).rows;
  const values = params.map(asText);
  await internals._checkReady();
  return internals._runExclusiveTransaction(() =>
    internals._runExclusiveQuery(async () => {
      const syncToFs = !pg.isInTransaction();
      if (!names.has(name)) {
        // Parsed on its own: a statement that then fails to run is still prepared, and known to be.
        await pg.execProtocol(concat([protocol.serialize.parse({ name, text }), protocol.serialize.sync()]), { syncToFs });
        names.add(name);
      }
      const run = [protocol.serialize.bind({ statement: name, values }), protocol.serialize.describe({ type: "P" }), protocol.serialize.execute({}), protocol.serialize.sync()];
      const { messages } = await pg.execProtocol(concat(run), { syncToFs });
      const [result] = parse.parseResults(messages, parsersOf(internals), { rowMode: "object" });
      return (result?.rows ?? []) as T[];
    }),
  );
}

/** A parameter in PostgreSQL's text form, as the driver sends it. */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
