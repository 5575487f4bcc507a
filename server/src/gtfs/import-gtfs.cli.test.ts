import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/client.ts";
import { DataDirInUseError, lockDataDir } from "../db/data-dir-lock.ts";
import { gtfsRoutes, gtfsTrips } from "../db/schema/index.ts";
import { generatedCityFeed } from "../demo/demo.city.ts";
import { seededRandom } from "../demo/random.ts";

/*
 * `npm run import:gtfs -- feed.zip` against the embedded database, as a new
 * user runs it: into a fresh DATA_DIR, and — the mistake everyone makes once —
 * while the server still has that folder open, which PGlite cannot survive.
 */
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
let dir: string;
let feed: string;

/** Runs the import CLI as npm does (tsx), with DATA_DIR set and no DATABASE_URL. */
function importCli(dataDir: string, file: string): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "silent" };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/gtfs/import-gtfs.cli.ts", file], { cwd: repoRoot, env });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "import-cli-"));
  feed = path.join(dir, "city.zip");
  writeFileSync(feed, generatedCityFeed(seededRandom(3), { routes: 2, buses: 2 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run import:gtfs on the embedded database", () => {
  it("refuses a DATA_DIR another process has open, naming it, and leaves the folder as it was", async () => {
    const dataDir = path.join(dir, "busy");
    const server = await openDatabase({ dataDir });
    try {
      const res = await importCli(dataDir, feed);
      expect(res.code).toBe(1);
      expect(res.err).toContain(`The embedded database in ${dataDir} is in use by process ${process.pid}`);
      expect(res.out).not.toContain("Imported");
      // The holder carries on, its folder untouched.
      expect((await server.db.select({ n: count() }).from(gtfsRoutes))[0]!.n).toBe(0);
    } finally {
      await server.close();
    }
    expect(existsSync(path.join(dataDir, "pglite.lock"))).toBe(false);
  }, 120_000);

  it("imports into a fresh DATA_DIR, which the server then opens with the feed in it", async () => {
    const dataDir = path.join(dir, "fresh");
    const res = await importCli(dataDir, feed);
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^Imported .*city\.zip: 1 agencies, 2 routes, \d+ stops, 4 shapes, \d+ trips, \d+ stop times, 1 calendars, 0 calendar dates$/m);
    const server = await openDatabase({ dataDir });
    try {
      expect((await server.db.select({ n: count() }).from(gtfsRoutes))[0]!.n).toBe(2);
      expect((await server.db.select({ n: count() }).from(gtfsTrips))[0]!.n).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 180_000);
});

describe("the embedded database's lock", () => {
  it("is taken over from a process that died without releasing it, and refused while its holder lives", async () => {
    const dataDir = mkdtempSync(path.join(dir, "lock-"));
    const exited = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => exited.on("close", r));
    writeFileSync(path.join(dataDir, "pglite.lock"), `${exited.pid}\n`);
    const release = lockDataDir(dataDir);
    release();
    expect(existsSync(path.join(dataDir, "pglite.lock"))).toBe(false);

    const living = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      writeFileSync(path.join(dataDir, "pglite.lock"), `${living.pid}\n`);
      expect(() => lockDataDir(dataDir)).toThrow(DataDirInUseError);
    } finally {
      living.kill();
    }
  });
});
