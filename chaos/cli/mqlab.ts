// mqlab: run scenarios against a RocketMQ-compatible cluster in the simulator or for real,
// judge them, report, replay. Exit codes: 0 pass, 1 a check failed, 2 the run broke or the
// command was wrong — one line on stderr, never a stack (system/cli/cli_boundary.ts).
import { Command } from "commander";
import { mkdirSync, writeFileSync, existsSync, statSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { allScenarios, allSuites, findScenario, findSuite } from "../../scenarios/index.ts";
import { createDeployer, deployerNames } from "../deploy/index.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import type { LogLevel } from "../sim/log.ts";
import { exitCodeOf, readRunResult, type RunResult } from "../result.ts";
import { runScenario } from "../runner.ts";
import { readScenarioFile, scenarioFileName } from "../scenario_json.ts";
import { topologyNames } from "../scenario.ts";
import { renderSuiteText, renderTextSummary } from "../../reports/text.ts";
import { renderJunit } from "../../reports/junit.ts";
import { simCommand } from "./sim_command.ts";
import { runSuite, suiteRunDir } from "./suite_command.ts";
import { registerCoverageCommand, reportRequiredProbes, writeProbeCoverage, coverageHtmlName } from "./coverage_command.ts";
import { registerCheckCommand } from "./check_command.ts";
import { registerIncidentCommand } from "./incident_command.ts";
import { registerBatteryCommand } from "./battery_command.ts";
import { brokenTag, brokenUsage, parseBrokenSwitches } from "../check/broken.ts";
import { withConsole } from "./console_option.ts";
import { registerK8sCommand } from "./k8s_command.ts";
import type { ExternalCliOptions } from "../deploy/external/index.ts";
import type { K8sCliOptions } from "../deploy/k8s/index.ts";
import { registerScenarioFileCommands, runIncidentFile, scenarioFileArgument } from "./scenario_file_commands.ts";
import { writeRunReport } from "../../reports/run_dir.ts";
import {
  prepareProgram, runProgram, UsageError, integerIn, numberFrom, oneOf, parseShardText, readablePath, type Shard,
} from "../../system/cli/index.ts";
import { errorText } from "../../system/stdx/index.ts";

const defaultOutRoot = "reports/out";

const seedNumber = integerIn(0);

function runDirName(scenario: string, seed: number, deployer: string): string {
  return `${scenario.replaceAll("/", "__")}--${deployer}--seed-${seed}`;
}

function fail(message: string): never {
  process.stderr.write(`mqlab: ${message}\n`);
  process.exit(2);
}

const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const program = prepareProgram(new Command("mqlab"));
program
  .description("Test, break and understand a RocketMQ-style message queue: scenarios, faults, checkers, reports, replays.");

program
  .command("list")
  .description("list the scenarios (name, topology, faults)")
  .option("--json", "print a JSON array of {name, topology, faults}")
  .action((options: { json?: boolean }) => {
    const rows = allScenarios().map((scenario) => ({ name: scenario.name, topology: scenario.topology, faults: [...new Set(scenario.faults.map((f) => f.fault.kind))], description: scenario.description }));
    if (options.json) {
      process.stdout.write(JSON.stringify(rows.map(({ name, topology, faults }) => ({ name, topology, faults })), null, 2) + "\n");
      return;
    }
    for (const row of rows) process.stdout.write(`${row.name.padEnd(34)} ${row.topology.padEnd(12)} ${(row.faults.join(",") || "-").padEnd(18)} ${row.description}\n`);
    process.stdout.write(`\nsuites: ${allSuites().map((suite) => `${suite.name} (${suite.scenarios.length} scenarios × ${suite.seeds} seeds)`).join(", ")}\n`);
  });

program
  .command("run <scenario>")
  .description("run one scenario (a built-in name, or a scenario/incident file: ./x.yaml, ./x.json); writes result.json, history.jsonl, report.html")
  .option("--deployer <name>", `where to run it: ${deployerNames.join(" | ")}`, oneOf(deployerNames), "sim")
  .option("--seed <n>", "seed (same seed, same history in the simulator)", seedNumber, 1)
  .option("--out <dir>", "output directory (default reports/out/<scenario>--<deployer>--seed-<n>[--broken-<switch>])")
  .option("--broken <switch>", `simulator only: turn on test-only faults (comma-separated; the broken/<switch> scenarios prove each is caught): ${brokenUsage()}`)
  .option("--console [port]", "process/container only: start mqconsole on the run's cluster and print its URL (port default: any free one)")
  .option("--namesrv <addr>", "--deployer external: the cluster's NameServers, host:port[;host:port]")
  .option("--fault-driver <name>", "--deployer external: local | command (default local)")
  .option("--driver-config <file>", "--deployer external: node addresses (and command templates), YAML or JSON")
  .option("--k8s-image <ref>", "--deployer k8s: the node image the cluster pulls (default mqlab:<version>)")
  .option("--k8s-storage <size>", "--deployer k8s: store volume per broker (default 2Gi)")
  .option("--logs <level>", `simulator only: print every node's log lines at or above this level to stderr, stamped with simulated time (${logLevels.join(" | ")}); the run is unchanged`, oneOf(logLevels))
  .action(async (name: string, options: { deployer: string; seed: number; out?: string; broken?: string; console?: string | boolean; logs?: LogLevel } & ExternalCliOptions & K8sCliOptions) => {
    let scenario;
    const file = scenarioFileArgument(name);
    try {
      scenario = file?.kind === "scenario" ? file.scenario : file?.kind === "incident" ? undefined : findScenario(name);
      if (file?.kind === "incident") {
        const deployer = await createDeployer(options.deployer).catch((error: unknown) => fail(String((error as Error).message ?? error)));
        const outDir = resolve(options.out ?? join(defaultOutRoot, runDirName(`incident/${file.incident.name}`, options.seed, options.deployer)));
        await runIncidentFile(file, deployer, { seed: options.seed, outDir, replay: `npx mqlab run ${name} --deployer ${deployer.name} --seed ${options.seed}` });
      }
      if (scenario === undefined) throw new Error(`no scenario in ${name}`);
      // The same parser and the same field as `mqlab check --broken`: the run is the scenario
      // with scenario.testFaults set, so result.json and scenario.json say it was broken and
      // `mqlab replay` reproduces it.
      if (options.broken !== undefined) scenario = { ...scenario, testFaults: { ...scenario.testFaults, ...parseBrokenSwitches(options.broken) } };
    } catch (error) {
      fail((error as Error).message);
    }
    if (options.broken !== undefined && options.deployer !== "sim") fail(`--broken needs --deployer sim (test faults are simulator-only), got "${options.deployer}"`);
    const tag = options.broken === undefined || scenario.testFaults === undefined ? "" : `--broken-${brokenTag(scenario.testFaults)}`;
    const outDir = resolve(options.out ?? join(defaultOutRoot, runDirName(scenario.name, options.seed, options.deployer) + tag));
    if (options.console !== undefined && options.deployer === "sim") fail("--console needs --deployer process or container (the simulator has no sockets to browse)");
    if (options.logs !== undefined && options.deployer !== "sim") fail(`--logs needs --deployer sim (other deployers keep each node's log in the run directory), got "${options.deployer}"`);
    const runOn = scenario;
    const created = options.deployer === "external"
      ? await import("../deploy/external/index.ts").then((external) => external.externalDeployerFor(runOn, options)).catch((error: unknown) => fail((error as Error).message))
      : options.deployer === "k8s"
        ? await import("../deploy/k8s/index.ts").then((k8s) => k8s.k8sDeployerFor(runOn, options)).catch((error: unknown) => fail((error as Error).message))
        : options.logs !== undefined
          ? new SimDeployer({ logLevel: options.logs, printLogs: true })
          : await createDeployer(options.deployer).catch((error: unknown) => fail(String((error as Error).message ?? error)));
    const watch = options.console === undefined ? undefined : withConsole(created, options.console === true ? 0 : integerIn(0, 65_535)(String(options.console)), (line) => process.stderr.write(line));
    const deployer = watch?.deployer ?? created;
    process.stderr.write(`mqlab: running ${scenario.name} on ${deployer.name}, seed ${options.seed}` +
      `${scenario.testFaults === undefined ? "" : `, deliberately broken ${JSON.stringify(scenario.testFaults)}`}\n`);
    const replay = `npx mqlab run ${file === undefined ? scenario.name : name} --deployer ${deployer.name} --seed ${options.seed}${options.broken === undefined ? "" : ` --broken ${options.broken}`}`;
    let result: RunResult;
    try {
      result = await runScenario(scenario, { deployer, seed: options.seed, outDir, replayCommand: replay });
      writeRunReport(outDir);
    } catch (error) {
      watch?.stop();
      fail(errorText(error));
    }
    watch?.stop();
    process.stdout.write(renderTextSummary(result) + `\nreport: ${join(outDir, "report.html")}\n`);
    process.exit(exitCodeOf(result.verdict));
  });

program
  .command("replay")
  .argument("<dirOrResult>", "a run directory or its result.json", readablePath)
  .description("run a recorded run again (same scenario, seed, deployer) and compare traceHash and verdict")
  .option("--out <dir>", "where the replay writes (default <dir>/replay)")
  .option("--logs <level>", `simulated runs only: print every node's log lines at or above this level to stderr, stamped with simulated time (${logLevels.join(" | ")}); the replay is unchanged (same traceHash)`, oneOf(logLevels))
  .action(async (target: string, options: { out?: string; logs?: LogLevel }) => {
    const directory = existsSync(target) && statSync(target).isDirectory() ? target : dirname(target);
    let original: RunResult;
    try {
      original = readRunResult(target);
    } catch (error) {
      fail((error as Error).message);
    }
    let scenario;
    try {
      scenario = existsSync(join(directory, scenarioFileName)) ? readScenarioFile(directory) : findScenario(original.scenario);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (options.logs !== undefined && original.deployer !== "sim") fail(`--logs replays simulated runs only; this run was on ${original.deployer}`);
    const deployer = options.logs === undefined ? await createDeployer(original.deployer) : new SimDeployer({ logLevel: options.logs, printLogs: true });
    const outDir = resolve(options.out ?? join(directory, "replay"));
    const result = await runScenario(scenario, { deployer, seed: original.seed, outDir, replayCommand: original.replay });
    writeRunReport(outDir);
    const sameHash = original.traceHash === undefined || original.traceHash === result.traceHash;
    const sameVerdict = original.verdict === result.verdict;
    process.stdout.write(renderTextSummary(result) + "\n");
    process.stdout.write(`replay of ${directory}: verdict ${original.verdict} -> ${result.verdict} (${sameVerdict ? "same" : "DIFFERENT"})` +
      (original.traceHash ? `, traceHash ${sameHash ? "identical" : `DIFFERENT (${original.traceHash.slice(0, 12)} vs ${String(result.traceHash).slice(0, 12)})`}` : "") + "\n");
    if (!sameHash) process.exit(2);
    process.exit(exitCodeOf(result.verdict));
  });

program
  .command("suite <name>")
  .description("run a suite (scenarios × seeds) with a progress bar; writes junit.xml")
  .option("--seeds <n>", "seeds per scenario (default: the suite's)", integerIn(1))
  .option("--shard <i/n>", "run only shard i of n (1-based), e.g. 2/4", parseShardText)
  .option("--deployer <name>", "deployer", oneOf(deployerNames), "sim")
  .option("--out <dir>", "output directory", join(defaultOutRoot, "suite"))
  .option("--probes <mode>", "code probes: report (default) | require (fail naming a required probe no run hit)", oneOf(["report", "require"]), "report")
  .action(async (name: string, options: { seeds?: number; shard?: Shard; deployer: string; out: string; probes?: string }) => {
    let suite;
    try {
      suite = findSuite(name);
    } catch (error) {
      fail((error as Error).message);
    }
    const results = await runSuite(suite, { seeds: options.seeds ?? suite.seeds, shard: options.shard, deployer: options.deployer, outDir: resolve(options.out) });
    mkdirSync(resolve(options.out), { recursive: true });
    writeFileSync(join(resolve(options.out), "junit.xml"), renderJunit([{ name: suite.name, results }]));
    process.stdout.write(renderSuiteText(results) + `\njunit: ${join(resolve(options.out), "junit.xml")}\n`);
    // Required probes are what the CI battery (suite + swarm runs) must reach; the battery
    // enforces them. A suite alone reports its probes unless --probes require asks for the verdict.
    const probeMode = options.probes ?? "report";
    if (probeMode !== "require" && probeMode !== "report") fail(`--probes wants require | report, got "${probeMode}"`);
    const runs = results.map((result) => ({ result, dir: suiteRunDir(resolve(options.out), result.scenario, result.seed) }));
    const aggregate = writeProbeCoverage(resolve(options.out), `Code probes: suite ${suite.name}`, runs);
    const notCollected = aggregate.notCollected.length === 0 ? ""
      : ` (${aggregate.notCollected.length} run(s) collected none: ${[...new Set(aggregate.notCollected.map((run) => run.reason))].join("; ")})`;
    process.stdout.write(`probes: ${aggregate.hit.length}/${aggregate.rows.length} hit over ${aggregate.runsCollected} run(s)${notCollected}; coverage: ${join(resolve(options.out), coverageHtmlName)}\n`);
    const probesFailed = probeMode === "require" && reportRequiredProbes(aggregate, (text) => process.stderr.write(text));
    const worst = results.some((r) => r.verdict === "error") ? 2 : results.some((r) => r.verdict === "fail") || probesFailed ? 1 : 0;
    process.exit(worst);
  });

program
  .command("sim")
  .description("run a topology with a steady workload in the simulator; print one JSON object")
  .requiredOption("--topology <name>", topologyNames.join(" | "), oneOf(topologyNames))
  .option("--seed <n>", "seed", seedNumber, 1)
  .option("--minutes <m>", "simulated minutes", numberFrom(0, true), 10)
  .option("--rate <perSecond>", "messages per second per producer (0 = idle cluster)", numberFrom(0))
  .action(async (options: { topology: (typeof topologyNames)[number]; seed: number; minutes: number; rate?: number }) => {
    const summary = await simCommand(options.topology, options.seed, options.minutes, options.rate);
    process.stdout.write(JSON.stringify(summary) + "\n");
    process.exit(summary.error === undefined ? 0 : 2);
  });

program
  .command("clean")
  .description("remove processes, network namespaces, nft tables and containers left by runs that died")
  .action(async () => {
    const { cleanLeftovers } = await import("../deploy/process/index.ts");
    const report = await cleanLeftovers();
    process.stdout.write(`process runs: ${JSON.stringify(report)}\n`);
    try {
      const { cleanContainerLeftovers } = await import("../deploy/container/index.ts");
      process.stdout.write(`containers: ${JSON.stringify(await cleanContainerLeftovers())}\n`);
    } catch (error) {
      process.stdout.write(`containers: skipped (${(error as Error).message})\n`);
    }
  });

registerIncidentCommand(program);
registerScenarioFileCommands(program);
registerK8sCommand(program);

registerCheckCommand(program);

registerBatteryCommand(program);
registerCoverageCommand(program);

await runProgram(program);
