/**
 * Measures the agent's resident memory at 1 fix/s: a bare aedes broker and a
 * stand-in server that acks every seq and sends a new live code every 30 s
 * (as the server does) run in this process; the agent runs as drivers run it
 * (simulated route, one fix a second, the live code drawn in its terminal and
 * served on its tablet page) in a child process whose VmRSS is sampled from /proc.
 *
 *   npx tsx vehicle-agent/scripts/rss.ts [seconds=60] [tsx|bundle]
 *
 * `bundle` measures the agent as `npm run agent` runs it: built by
 * `npm run agent:build` (one esbuild file run by plain node, no TypeScript
 * loader in memory), with the same node flags unless AGENT_NODE_FLAGS says others.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AGENT_BUNDLE, AGENT_NODE_FLAGS } from "./build.ts";
import { startBareAedes, startFakeIngest } from "../test/broker.ts";
import { repoRoot } from "../test/spawn.ts";

const seconds = Number(process.argv[2] ?? 60);
const mode = process.argv[3] === "bundle" ? "bundle" : "tsx";
const entry =
  mode === "bundle"
    ? [...(process.env.AGENT_NODE_FLAGS?.split(" ").filter(Boolean) ?? AGENT_NODE_FLAGS), AGENT_BUNDLE]
    : ["--import", "tsx", path.join(repoRoot, "vehicle-agent/src/main.ts")];
const rssMb = (pid: number) => {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return kb ? Number(kb) / 1024 : NaN;
};

const broker = await startBareAedes();
const ingest = await startFakeIngest(broker.url, "");
const dir = mkdtempSync(path.join(tmpdir(), "agent-rss-"));
const vehicle = randomUUID();
const child = spawn(
  process.execPath,
  [
    ...entry,
    ...["--url", broker.url, "--vehicle", vehicle, "--password", "pw", "--outbox", path.join(dir, "agent.sqlite")],
    ...["--simulate", "36.6512,117.1201;36.6600,117.1300", "--interval", "1", "--http-port", "0"],
  ],
  { stdio: ["pipe", "ignore", "inherit"] }, // its terminal output (QR codes) is drawn, just not shown here
);
const liveCode = () =>
  ingest.publish(vehicle, "display", { url: `http://localhost:3000/v/L1.${vehicle}.${Math.floor(Date.now() / 1000) + 60}.${randomUUID()}`, expiresAt: Date.now() + 60_000 }, true);
await liveCode();
const codes = setInterval(() => void liveCode(), 30_000);

const samples: number[] = [];
for (let t = 5; t <= seconds; t += 5) {
  await new Promise((r) => setTimeout(r, 5000));
  samples.push(rssMb(child.pid!));
}
const fixes = ingest.fixes.get(vehicle)?.size ?? 0;
clearInterval(codes);
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await ingest.close();
await broker.close();
rmSync(dir, { recursive: true, force: true });

console.log(`agent (${mode}) RSS at 1 fix/s over ${seconds} s (${fixes} fixes acked): ` + `start ${samples[0]!.toFixed(1)} MB, end ${samples.at(-1)!.toFixed(1)} MB, max ${Math.max(...samples).toFixed(1)} MB`);
console.log(`samples (MB, every 5 s): ${samples.map((s) => s.toFixed(1)).join(" ")}`);
