import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AGENT_BUNDLE, AGENT_NODE_FLAGS } from "../scripts/build.ts";
import { repoRoot } from "./spawn.ts";

describe("npm run agent", () => {
  it("runs the bundle the agent tests run, under the same node flags (those the memory target was measured with)", () => {
    const script: string = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).scripts.agent;
    expect(script).toContain(`node ${AGENT_NODE_FLAGS.join(" ")} ${path.relative(repoRoot, AGENT_BUNDLE)}`);
  });
});
