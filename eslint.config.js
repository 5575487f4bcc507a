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
    // One contract (issue 13 part 9): the console knows the API by its shared schemas in protocol/api/, never by the server's files.
    files: ["map-ui/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "(^|/)server/", message: "The console takes the API's shapes from protocol/api/ (the schemas the server's routes answer with), not from server files." },
            { regex: "(^|/)protocol/(?!api/)", message: "Only protocol/api/ is for the browser: the rest of protocol/ is the MQTT side and uses node:crypto." },
          ],
        },
      ],
    },
  },
  {
    // The CLI entry points talk to a human on the terminal.
    files: ["server/src/main.ts", "server/src/**/*.cli.ts", "vehicle-agent/**/*.ts", "bench/**/*.ts", "**/*.test.ts", "e2e/**/*.ts"],
    rules: { "no-console": "off" },
  },
);
