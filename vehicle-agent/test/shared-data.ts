import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * A file of the real public data set that sits beside the project (never
 * copied into it; see its README for provenance). A clone elsewhere finds it
 * through SHARED_DATA_DIR (then only there: SHARED_DATA_DIR=/nowhere runs the
 * tests as a user's own clone would) or the workplace's fixed locations; null
 * when absent, so the tests that need it say they were skipped instead of
 * failing on a path.
 */
export function sharedDataFile(name: string): string | null {
  const dirs = process.env.SHARED_DATA_DIR ? [process.env.SHARED_DATA_DIR] : [path.resolve(repoRoot, "../shared/data"), "/work/shared/data"];
  for (const dir of dirs) {
    if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  console.warn(`skipping the tests that read ${name}: it is not in ${dirs.join(" or ")} (set SHARED_DATA_DIR to the folder that holds it)`);
  return null;
}
