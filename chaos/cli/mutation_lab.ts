// The lab one mutant faces (`just mutation`): a short, fixed, deterministic slice of the CI lab
// run in one process — the smoke scenarios (every topology's crash or firewall fault, intervals
// scaled down, ~1 min simulated each) plus a few generated no-acked-loss property runs — so a
// mutant costs seconds, not the battery's minutes. Exit 0 every run passed, 1 a check failed or
// a property found a counterexample, 2 a run broke (an exception counts as killing the mutant too).
// Usage: mutation_lab.ts [outDir]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smokeScenario } from "../../scenarios/library/smoke.ts";
import { runCheck } from "../check/check.ts";
import { findProperty } from "../check/properties.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { runScenario } from "../runner.ts";
import type { Scenario, TopologyName } from "../scenario.ts";

const scenarios: [TopologyName, "no-fault" | "broker-crash" | "firewall-drop"][] = [
  ["2m-2s-sync", "no-fault"],
  ["1m", "broker-crash"],
  ["2m-noslave", "firewall-drop"],
  ["2m-2s-async", "broker-crash"],
  ["2m-2s-sync", "broker-crash"],
  ["2m-2s-sync", "firewall-drop"],
];

// A healthy simulated cluster acks a send and delivers a message within a few ms (long polling
// answers a held pull as soon as the message is dispatched; p99 is 0-3 ms on every topology).
// Bounds far above that but far below the fallbacks a broken fast path degrades to (the 5 s
// pull suspend, the 1 s hold-check timer, a retry after a 3 s send timeout) catch mutants that
// only make the system slow — a class the correctness checkers cannot see.
const healthySendP99MsMax = 100;
const healthyEndToEndP99MsMax = 100;

function healthyLatencyProblem(evidence: { readonly [key: string]: unknown } | undefined): string | undefined {
  const stats = evidence as { send?: { p99Ms: number | null }; endToEnd?: { p99Ms: number | null; count: number } } | undefined;
  const send = stats?.send?.p99Ms ?? null;
  const endToEnd = stats?.endToEnd?.p99Ms ?? null;
  if (send === null || endToEnd === null || (stats?.endToEnd?.count ?? 0) === 0) return "no latency evidence (nothing delivered?)";
  if (send > healthySendP99MsMax) return `send p99 ${send} ms > ${healthySendP99MsMax} ms`;
  if (endToEnd > healthyEndToEndP99MsMax) return `end-to-end p99 ${endToEnd} ms > ${healthyEndToEndP99MsMax} ms`;
  return undefined;
}

/**
 * The smoke crash on SYNC_MASTER with a hostile workload, aimed at the paths the CI suite never
 * reaches (its probes show them unhit): a consumer group failing 10 % of deliveries (send-back,
 * retry topic, delayed re-delivery through the schedule service) with consistent-hash
 * allocation and more consumers than queues, an orderly group (broker queue locks: grant,
 * conflict, lock-failed rebalances), ordered sends, and latency fault avoidance on.
 */
export function rarePathsScenario(): Scenario {
  const base = smokeScenario("2m-2s-sync", "broker-crash");
  return {
    ...base,
    name: "mutation-lab/2m-2s-sync/rare-paths",
    description: "smoke broker crash with failing, consistent-hash, orderly consumers and ordered sends",
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }, { name: "TopicOrder", queues: 2 }],
      producers: [
        { count: 2, topic: "TopicTest", ratePerSecond: 10, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 256, latencyFaultAvoidance: true },
        { count: 1, topic: "TopicOrder", ratePerSecond: 5, sendMode: "sync", ordered: true, orderKeys: 4 },
      ],
      consumers: [
        { group: "GroupTest", topic: "TopicTest", count: 3, mode: "push", model: "CLUSTERING", subscription: "*", failurePercent: 10, allocateStrategy: "CONSISTENT_HASH" },
        { group: "GroupOrder", topic: "TopicOrder", count: 3, mode: "push", model: "CLUSTERING", subscription: "*", orderly: true },
      ],
    },
  };
}

async function main(): Promise<number> {
  const outDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "mqlab-mutation-lab-"));
  let worst = 0;
  try {
    for (const [topology, fault] of scenarios) {
      const scenario = smokeScenario(topology, fault);
      const result = await runScenario(scenario, { deployer: new SimDeployer(), seed: 1, outDir: join(outDir, `${topology}-${fault}`) });
      process.stdout.write(`${result.verdict} ${scenario.name}${result.verdict === "pass" ? "" : `: ${result.error ?? result.checks.filter((c) => c.verdict === "fail").map((c) => c.summary).join("; ")}`}\n`);
      if (result.verdict !== "pass") return result.verdict === "fail" ? 1 : 2;
      if (fault === "no-fault") {
        const slow = healthyLatencyProblem(result.checks.find((check) => check.name === "latency")?.evidence);
        if (slow !== undefined) {
          process.stdout.write(`fail ${scenario.name}: a healthy cluster is slow: ${slow}\n`);
          return 1;
        }
      }
    }
    const rare = await runScenario(rarePathsScenario(), { deployer: new SimDeployer(), seed: 1, outDir: join(outDir, "rare-paths") });
    process.stdout.write(`${rare.verdict} ${rare.scenario}${rare.verdict === "pass" ? "" : `: ${rare.error ?? rare.checks.filter((c) => c.verdict === "fail").map((c) => c.summary).join("; ")}`}\n`);
    if (rare.verdict !== "pass") return rare.verdict === "fail" ? 1 : 2;
    const report = await runCheck({
      property: findProperty("no-acked-loss"), topology: "2m-2s-sync", runs: 3, seed: 1, shrinkRunsMax: 0,
      outDir: join(outDir, "check"), command: "mutation lab",
    });
    process.stdout.write(`${report.failed ? "fail" : "pass"} check no-acked-loss (${report.runs} runs)\n`);
    if (report.failed) worst = 1;
  } finally {
    if (process.argv[2] === undefined) rmSync(outDir, { recursive: true, force: true });
  }
  return worst;
}

process.exit(await main());
