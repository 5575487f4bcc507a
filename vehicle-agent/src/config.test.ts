import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseAgentArgs } from "./config.ts";

const vehicle = "0192f2c4-1111-7000-8000-000000000001";
const required = ["--url", "mqtt://localhost:1883", "--vehicle", vehicle, "--password", "pw"];

describe("agent configuration", () => {
  it("reads flags, with defaults a driver need not think about", () => {
    const config = parseAgentArgs([...required, "--replay", "track.csv", "--speed", "60"], "/srv");
    expect(config).toMatchObject({ url: "mqtt://localhost:1883", vehicle, replay: "track.csv", speed: 60, keepalive: 30, window: 16, httpPort: 8080, terminalQr: true });
    expect(config !== "help" && config.outbox).toBe(path.join("/srv", "data", `agent-${vehicle}.sqlite`));
  });

  it("takes a password that starts with a dash, as generated passwords may", () => {
    expect(parseAgentArgs(["--url", "mqtt://h:1883", "--vehicle", vehicle, "--password", "-Xy_9", "--quiet"])).toMatchObject({ password: "-Xy_9", quiet: true });
  });

  it("reads a config file, with flags winning over it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "agent-config-"));
    try {
      writeFileSync(path.join(dir, "agent.json"), JSON.stringify({ url: "mqtt://broker:1883", vehicle, password: "from-file", routeId: "K51", httpPort: 0 }));
      expect(parseAgentArgs(["--config", "agent.json", "--password", "from-flag"], dir)).toMatchObject({ url: "mqtt://broker:1883", password: "from-flag", routeId: "K51", httpPort: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes several broker URLs, the nodes of a cluster, separated by commas", () => {
    const url = "mqtt://n1:1883,mqtt://n2:1883, mqtt://n3:1883";
    expect(parseAgentArgs(["--url", url, "--vehicle", vehicle, "--password", "pw"])).toMatchObject({ url });
    expect(() => parseAgentArgs(["--url", "mqtt://n1:1883,http://n2", "--vehicle", vehicle, "--password", "pw"])).toThrow(/--url: .*several separated by commas/);
  });

  it("names the flag of a bad or missing value", () => {
    expect(() => parseAgentArgs(["--url", "http://x", "--vehicle", "bus-1", "--password", "pw"])).toThrow(/--url: .*mqtt:\/\/[\s\S]*--vehicle: must be the vehicle id/);
    expect(() => parseAgentArgs([...required, "--keepalive", "300"])).toThrow(/--keepalive/);
    expect(() => parseAgentArgs([...required, "--replay", "a.csv", "--gpsd", ""])).toThrow(/choose one GPS source/);
    expect(() => parseAgentArgs([...required, "--frobnicate"])).toThrow(ConfigError);
    expect(parseAgentArgs(["--help"])).toBe("help");
  });
});
