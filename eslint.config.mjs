// Lint: type-checked rules for all code, and the determinism rules for system/.
// system/ reaches time, timers, randomness, network, disk and the process only through its
// Env (system/env/env.ts). Only the real Env (system/env/real/) and the CLI entry points
// (system/cli/) may touch Node's world directly.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const worldGlobals = [
  ["Date", "use env.clock (nowMs/monotonicMs)"],
  ["setTimeout", "use env.timers"],
  ["setInterval", "use env.timers"],
  ["setImmediate", "use env.timers"],
  ["clearTimeout", "use env.timers"],
  ["clearInterval", "use env.timers"],
  ["queueMicrotask", "await a promise instead"],
  ["performance", "use env.clock.monotonicMs()"],
  ["process", "pass what you need in through options or the Env"],
  ["crypto", "use env.random"],
  ["fetch", "no network outside env.net"],
].map(([name, message]) => ({ name, message: `${name} is outside the Env seam: ${message}` }));

const worldImports = ["net", "fs", "fs/promises", "dgram", "http", "https", "child_process", "timers",
  "timers/promises", "os", "worker_threads", "cluster", "process", "perf_hooks", "dns", "tls"]
  .flatMap((m) => [m, `node:${m}`])
  .map((name) => ({ name, message: `${name} is outside the Env seam: go through the Env` }));

export default tseslint.config(
  { ignores: ["node_modules/**", "reports/out/**", "coverage/**", "**/*.mjs", "**/*.cjs", ".tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": ["error", {
        allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "it", "describe", "suite", "before", "after", "beforeEach", "afterEach"] }],
      }],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/restrict-template-expressions": "off",
      "no-empty": ["error", { allowEmptyCatch: false }],
    },
  },
  {
    files: ["system/**/*.ts"],
    ignores: ["system/env/real/**", "system/cli/**", "system/**/*.test.ts", "system/testing/**"],
    rules: {
      "no-restricted-globals": ["error", ...worldGlobals],
      "no-restricted-imports": ["error", { paths: worldImports }],
      "no-restricted-properties": ["error",
        { object: "Math", property: "random", message: "Math.random is outside the Env seam: use env.random" },
        { object: "globalThis", property: "setTimeout", message: "use env.timers" },
        { object: "globalThis", property: "process", message: "pass it in through the Env" }],
    },
  },
);
