/**
 * `npm run agent:build`: the agent as one JavaScript file for a vehicle's
 * terminal, run by plain node — no TypeScript loader in memory (about 20 MB
 * less resident than `npm run agent`, see docs/agent.md). better-sqlite3 stays
 * outside the bundle (a native addon): install it next to the file.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outfile = path.join(root, "vehicle-agent/dist/agent.mjs");
await build({
  entryPoints: [path.join(root, "vehicle-agent/src/main.ts")],
  outfile,
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
console.log(`built ${path.relative(process.cwd(), outfile)} — run: node --max-semi-space-size=1 ${path.relative(process.cwd(), outfile)} --url … --vehicle … --password …`);
