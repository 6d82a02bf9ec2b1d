import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

// shared/ is the deterministic simulation and protocol: same inputs, same outputs, on the server,
// in the browser and in tests. Anything that reads the outside world (clock, randomness, network,
// files) or ties it to a runtime (Colyseus, Phaser, Node) would break replay, so the linter forbids it.
const impureModules = ["colyseus", "@colyseus/*", "phaser", "express", "ws", "node:*", "fs", "path", "http", "crypto"];

export default tseslint.config(
  { ignores: ["node_modules/**", "**/dist/**", "coverage/**", "test-artifacts/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["client/**/*.ts"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["shared/**/*.ts"],
    languageOptions: { globals: {} },
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: impureModules, message: "shared/ must stay pure: no runtime, network or I/O imports." }],
      }],
      "no-restricted-properties": ["error",
        { object: "Math", property: "random", message: "Use the seeded RNG stored in the state." },
        { object: "Date", property: "now", message: "Cluster time comes from the state, never the wall clock." },
        { object: "performance", property: "now", message: "Cluster time comes from the state, never the wall clock." },
      ],
      "no-restricted-globals": ["error",
        { name: "setTimeout", message: "The simulation is advanced by its caller; no timers in shared/." },
        { name: "setInterval", message: "The simulation is advanced by its caller; no timers in shared/." },
        { name: "setImmediate", message: "No timers in shared/." },
        { name: "queueMicrotask", message: "No scheduling in shared/." },
        { name: "Date", message: "Cluster time comes from the state, never the wall clock." },
        { name: "performance", message: "Cluster time comes from the state, never the wall clock." },
        { name: "process", message: "shared/ runs in browsers too: no process." },
        { name: "fetch", message: "No I/O in shared/." },
      ],
    },
  },
);
