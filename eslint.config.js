import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "map-ui/dist/", "vehicle-agent/dist/", "drizzle/", "coverage/", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    // The CLI entry points talk to a human on the terminal.
    files: ["server/src/main.ts", "server/src/**/*.cli.ts", "vehicle-agent/**/*.ts", "bench/**/*.ts", "**/*.test.ts", "e2e/**/*.ts"],
    rules: { "no-console": "off" },
  },
);
