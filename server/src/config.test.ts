import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("configuration", () => {
  it("gives the documented defaults with nothing set", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      publicUrl: "http://localhost:3000",
      dataDir: "./data",
      databaseUrl: undefined,
      retentionDays: 28,
      quarantineDays: 14,
      tileCrs: "wgs84",
      tzDisplay: "Asia/Shanghai",
      mqtt: { url: undefined, port: 1883 },
      role: "all",
      leaderLeaseMs: 15_000,
    });
  });

  it.each([
    ["PORT", "http"],
    ["DATABASE_URL", "mysql://x"],
    ["MQTT_URL", "http://broker"],
    ["RETENTION_DAYS", "0"],
    ["QUARANTINE_DAYS", "0"],
    ["QUARANTINE_DAYS", "two weeks"],
    ["TILE_CRS", "bd09"],
    ["TZ_DISPLAY", "Mars/Olympus"],
    ["DATA_KEY", "too-short"],
    ["TRUST_PROXY", "yes"],
    ["DATABASE_READ_URL", "mysql://standby"],
    ["DATABASE_READ_MAX_LAG_SECONDS", "0"],
    ["SERVER_ROLE", "worker"],
    ["LEADER_LEASE_SECONDS", "0"],
  ])("stops with a message naming %s when it is %s", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it("accepts a 32-byte DATA_KEY in base64 or hex", () => {
    expect(loadConfig({ DATA_KEY: Buffer.alloc(32, 1).toString("base64") }).dataKey?.length).toBe(32);
    expect(loadConfig({ DATA_KEY: "ab".repeat(32) }).dataKey?.length).toBe(32);
  });

  it("trusts no proxy by default, or a number of hops, or a list of networks", () => {
    expect(loadConfig({}).trustProxy).toEqual({ hops: 0 });
    expect(loadConfig({ TRUST_PROXY: "1" }).trustProxy).toEqual({ hops: 1 });
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8,192.168.1.5" }).trustProxy).toEqual({ networks: ["10.0.0.0/8", "192.168.1.5"] });
  });

  it("takes a standby for reads only beside a primary, with a lag bound of 5 s by default", () => {
    expect(loadConfig({}).databaseRead).toBeUndefined();
    expect(() => loadConfig({ DATABASE_READ_URL: "postgres://standby/transit" })).toThrow(/DATABASE_READ_URL: needs DATABASE_URL/);
    const both = { DATABASE_URL: "postgres://primary/transit", DATABASE_READ_URL: "postgres://standby/transit" };
    expect(loadConfig(both).databaseRead).toEqual({ url: "postgres://standby/transit", maxLagMs: 5000 });
    expect(loadConfig({ ...both, DATABASE_READ_MAX_LAG_SECONDS: "0.5" }).databaseRead?.maxLagMs).toBe(500);
  });

  it("runs web or ingest only against a real database and broker: the embedded ones live in one process", () => {
    const real = { DATABASE_URL: "postgres://db/transit", MQTT_URL: "mqtt://broker:1883" };
    expect(loadConfig({ ...real, SERVER_ROLE: "web" }).role).toBe("web");
    expect(loadConfig({ ...real, SERVER_ROLE: "ingest" }).role).toBe("ingest");
    for (const role of ["web", "ingest"]) {
      expect(() => loadConfig({ SERVER_ROLE: role })).toThrow(/SERVER_ROLE: "\w+" needs DATABASE_URL and MQTT_URL/);
      expect(() => loadConfig({ SERVER_ROLE: role, DATABASE_URL: real.DATABASE_URL })).toThrow(/only SERVER_ROLE=all/);
      expect(() => loadConfig({ SERVER_ROLE: role, MQTT_URL: real.MQTT_URL })).toThrow(ConfigError);
    }
  });

  it("keeps a NATS users file only with the cluster and the server's own login to put first in it", () => {
    const nats = { MQTT_URL: "mqtt://n1:1883,mqtt://n2:1883", NATS_URL: "nats://n1:4222,nats://n2:4222", MQTT_USERNAME: "transit-server", MQTT_PASSWORD: "s3cret" };
    const c = loadConfig({ ...nats, NATS_USERS_FILE: "/etc/nats/transit-users.conf", NATS_RELOAD_PID_FILES: "/run/nats/n1.pid, /run/nats/n2.pid" });
    expect(c.mqtt.natsUsersFile).toBe("/etc/nats/transit-users.conf");
    expect(c.mqtt.natsReloadPidFiles).toEqual(["/run/nats/n1.pid", "/run/nats/n2.pid"]);
    expect(() => loadConfig({ ...nats, MQTT_PASSWORD: "", NATS_USERS_FILE: "/etc/nats/u.conf" })).toThrow(/NATS_USERS_FILE: needs NATS_URL, MQTT_USERNAME and MQTT_PASSWORD/);
    expect(() => loadConfig({ NATS_USERS_FILE: "/etc/nats/u.conf" })).toThrow(/NATS_USERS_FILE: needs/);
    expect(() => loadConfig({ ...nats, NATS_RELOAD_PID_FILES: "/run/nats/n1.pid" })).toThrow(/NATS_RELOAD_PID_FILES: needs NATS_USERS_FILE/);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" }).port).toBe(3000);
  });
});
