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
  },
});
