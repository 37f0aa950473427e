// The dependency direction of the repository, checked by `just check` (`npx depcruise`).
// docs/ARCHITECTURE.md ("Dependency direction") explains the layers; this file enforces them:
//
//   system/  ←  chaos/ (the lab)  ←  scenarios/ (the library of scenarios and incidents)
//                  ↑
//               reports/ (renders run records: chaos/result.ts, chaos/history/types.ts)
//                  ↑
//   chaos/cli/ (the composition root: the mqlab commands wire scenarios, the lab and reports)
//
// The lab reaches each system/ package through its entry point, system/<pkg>/index.ts
// (rule lab-uses-system-through-index below, with its two exceptions).
//
// Tests (*.test.ts, *.test_support.ts, testing/ folders, system/client/test/) are leaves nothing else imports, so
// they may reach one layer up for fixtures (a chaos test runs a scenario of the library; a
// system/ha test drives the simulator). Production code never does. No import cycles anywhere.
/** @type {import('dependency-cruiser').IConfiguration} */
const testCode = "(\\.test\\.ts$|\\.test_support\\.ts$|/testing/|^system/client/test/)";
// Programs run by just recipes (benchmarks): like the CLI they sit on top and may use test helpers.
const programs = "(^chaos/bench/|^chaos/checkers/bench_checkers\\.ts$)";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules form a DAG: a cycle means two modules are one and should be merged or split by a port.",
      from: {},
      to: { circular: true },
    },
    {
      name: "system-imports-only-system",
      severity: "error",
      comment: "system/ is the product; it knows nothing of the lab, the scenarios or the reports.",
      from: { path: "^system/", pathNot: testCode },
      to: { path: "^(chaos|scenarios|reports)/" },
    },
    {
      name: "system-tests-use-only-the-simulator",
      severity: "error",
      comment: "A system/ test may drive the simulator (chaos/sim/) as its harness, nothing else of the lab.",
      from: { path: `^system/.*${testCode}` },
      to: { path: "^(chaos|scenarios|reports)/", pathNot: "^chaos/sim/" },
    },
    {
      name: "lab-does-not-import-scenarios-or-reports",
      severity: "error",
      comment: "chaos/ is the lab the library is written in, and the runner writes run records, not HTML. " +
        "Only the CLI (chaos/cli/) composes scenarios and reports.",
      from: { path: "^chaos/", pathNot: ["^chaos/cli/", programs, testCode] },
      to: { path: "^(scenarios|reports)/" },
    },
    {
      name: "scenarios-do-not-import-reports",
      severity: "error",
      comment: "A scenario or incident is data plus a symptom reading; rendering is the CLI's business.",
      from: { path: "^scenarios/", pathNot: testCode },
      to: { path: "^reports/" },
    },
    {
      name: "lab-uses-system-through-index",
      severity: "error",
      comment: "chaos/, scenarios/ and reports/ use a system/ package only through its entry point, " +
        "system/<pkg>/index.ts, so a package's files can move and split without touching the lab. " +
        "Exceptions: system/env/real/index.ts (the real Env is its own entry point, kept out of " +
        "system/env/index.ts so that importing the Env port never loads node:net, node:fs or pino), and " +
        "test helpers (testing/ folders, *.test_support.ts), which a package offers its tests and the lab's. " +
        "The CLI programs (system/cli/mqbroker.ts, ...) are spawned by path, never imported.",
      from: { path: "^(chaos|scenarios|reports)/" },
      to: { path: "^system/", pathNot: ["^system/[^/]+/index\\.ts$", "^system/env/real/index\\.ts$", testCode] },
    },
    {
      name: "reports-read-run-records-only",
      severity: "error",
      comment: "reports/ renders result.json / history.jsonl shapes from chaos/; never system/, scenarios/ or the CLI.",
      from: { path: "^reports/" },
      to: { path: "^(system/|scenarios/|chaos/cli/)" },
    },
    {
      name: "cli-is-the-top",
      severity: "error",
      comment: "Nothing below the composition root imports it (tests of the CLI live beside it).",
      from: { path: "^(system|chaos|scenarios|reports)/", pathNot: ["^chaos/cli/", programs, testCode] },
      to: { path: "^chaos/cli/" },
    },
    {
      name: "production-does-not-import-tests",
      severity: "error",
      comment: "Test files and testing/ helpers are leaves; production code must not depend on them.",
      from: { path: "^(system|chaos|scenarios|reports)/", pathNot: [programs, testCode] },
      to: { path: testCode },
    },
    {
      name: "deployers-share-through-chaos-deploy",
      severity: "error",
      comment: "A deployer (chaos/deploy/<name>/) does not borrow from another's folder: what two of them share lives in " +
        "chaos/deploy/ (address_plan, node_commands, wall_cluster/). External is a base other deployers may build on.",
      from: { path: "^chaos/deploy/([^/]+)/", pathNot: testCode },
      to: { path: "^chaos/deploy/(sim|process|container)/", pathNot: "^chaos/deploy/$1/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to nothing is a typo or a deleted file.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|reports/out|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mjs", ".js", ".cjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
