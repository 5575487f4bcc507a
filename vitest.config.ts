import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["server/**/*.test.ts", "protocol/**/*.test.ts", "vehicle-agent/**/*.test.ts", "map-ui/**/*.test.ts", "e2e/**/*.test.ts"],
    // PGlite and Chromium start slowly on a 2-core machine; these are ceilings, not targets.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["vehicle-agent/test/global-setup.ts"],
    maxWorkers: 2,
    // expect.poll waits for a page or a broker to catch up; its 1 s default is
    // too short when both test workers and Chromium share 2 cores. A test that
    // asserts a latency (the live map's 2 s) passes its own deadline.
    expect: { poll: { timeout: 10_000 } },
  },
});
