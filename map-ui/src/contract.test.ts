import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/*
 * One contract (issue 13 part 9): the console knows the API only by the
 * schemas in protocol/api/, which the server's routes answer with. A console
 * file importing a server file (even a type) would tie the two together
 * behind the contract's back; protocol/api/ itself must stay browser-safe.
 * ESLint (no-restricted-imports in eslint.config.js) says the same while
 * editing; this holds it in the test run.
 */
const root = path.resolve(import.meta.dirname, "../..");
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^"'`]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : e.name.endsWith(".ts") ? [full] : [];
  });
}

/** Every module a file imports, relative ones resolved to a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    return spec.startsWith(".") ? path.relative(root, path.resolve(path.dirname(file), spec)) : spec;
  });
}

describe("the console's contract with the API", () => {
  it("finds the imports it checks (the scanner is not blind)", () => {
    const live = importsOf(path.join(root, "map-ui/src/views/live.ts"));
    expect(live).toContain("protocol/api/live.ts");
    expect(live).toContain("map-ui/src/api.ts");
  });

  it("imports nothing from the server, and from protocol/ only the API contract", () => {
    const offending = filesUnder(path.join(root, "map-ui/src")).flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith("server/") || (spec.startsWith("protocol/") && !spec.startsWith("protocol/api/")))
        .map((spec) => `${path.relative(root, file)} → ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it("keeps protocol/api/ browser-safe: zod and its own files only", () => {
    const offending = filesUnder(path.join(root, "protocol/api")).flatMap((file) =>
      importsOf(file)
        .filter((spec) => !file.endsWith(".test.ts") && spec !== "zod" && !spec.startsWith("protocol/api/"))
        .map((spec) => `${path.relative(root, file)} → ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
