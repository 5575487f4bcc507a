/**
 * `npm run agent:build`: the agent as one JavaScript file for a vehicle's
 * terminal, run by plain node — no TypeScript loader in memory (about 30 MB
 * less resident than under tsx, see docs/agent.md). `npm run agent` builds it
 * (about a second) and runs it; the tests run this same file. better-sqlite3
 * stays outside the bundle (a native addon): install it next to the file.
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const AGENT_BUNDLE = path.join(root, "vehicle-agent/dist/agent.mjs");
/**
 * How node runs the bundle (the same as package.json's `agent` script): V8's
 * lite mode (no optimizing compiler; plenty for a fix a second) and a small
 * young generation keep the agent near 53 MB resident instead of 60.
 */
export const AGENT_NODE_FLAGS = ["--lite-mode", "--no-expose-wasm", "--max-semi-space-size=1"];

export async function buildAgent(): Promise<void> {
  await build({
    entryPoints: [path.join(root, "vehicle-agent/src/main.ts")],
    outfile: AGENT_BUNDLE,
    bundle: true,
    minify: true,
    platform: "node",
    target: "node20",
    format: "esm",
    external: ["better-sqlite3"],
    // Some dependencies are CommonJS and call require(); give the ES module one.
    banner: { js: "import { createRequire as __agentRequire } from 'node:module'; const require = __agentRequire(import.meta.url);" },
    logLevel: "warning",
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildAgent();
  if (!process.argv.includes("--quiet")) {
    const file = path.relative(process.cwd(), AGENT_BUNDLE);
    console.log(`built ${file} — run: node ${AGENT_NODE_FLAGS.join(" ")} ${file} --url … --vehicle … --password …`);
  }
}
