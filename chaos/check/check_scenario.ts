// CheckCase → Scenario. Generated runs are short in virtual time (a 60 s send phase and 40 s
// to drain), so RocketMQ's intervals are shortened in proportion (route poll, heartbeats and
// registrations every 3 s, expiry after 10 s): every liveness bound the checkers derive from
// them still fits in the quiesce phase, and one run costs about a second of CPU.
import type { BrokerTestFaults } from "../../system/broker/index.ts";
import { faultTarget } from "../faults/types.ts";
import type { CheckerName, Intervals, Scenario, TopologyName } from "../scenario.ts";
import { checkGroup, checkTiming, checkTopic, type CheckCase, type CheckMix } from "./arbitraries.ts";
import type { CheckProperty } from "./properties.ts";
import { buildMix, combineMixes } from "../workload/mixes.ts";

/**
 * The checkers each mix's own guarantee needs beside the property's: a mix run judges what the
 * mix is there for (an orderly group's per-queue order, lock and DLQ point, a failed message's
 * retry, a delayed message's due time, a late group's start), under the same faults.
 */
export const mixCheckers: Readonly<Record<CheckMix, readonly CheckerName[]>> = {
  "ordered": ["orderly", "retry"],
  "failing": ["retry"],
  "batch": [],
  "delayed": ["delay"],
  "broadcast": [],
  "late-join": ["late-join"],
  "scaling": [],
  "burst": [],
};

/** The property's checkers plus those of the mixes (each once, in the property's order first). */
export function checkersWithMixes(checkers: readonly CheckerName[], mixes: readonly CheckMix[]): CheckerName[] {
  return [...new Set([...checkers, ...mixes.flatMap((mix) => mixCheckers[mix])])];
}

/** Quiesce of a case with mixes: room for a poison message's reconsumes (10 s + 30 s) and the DLQ. */
const mixesQuiesceMs = 60_000;

export const checkIntervals: Intervals = {
  routePollMs: 3_000,
  clientHeartbeatMs: 3_000,
  brokerRegisterMs: 3_000,
  namesrvScanMs: 2_000,
  brokerExpiryMs: 10_000,
  clientScanMs: 2_000,
  clientExpiryMs: 10_000,
  rebalanceMs: 3_000,
  offsetPersistMs: 1_000,
  sendTimeoutMs: 3_000,
  pullSuspendMs: 5_000,
};

/** One line per fault: "12 s–20 s crash broker-a". */
export function describeSchedule(checkCase: Pick<CheckCase, "faults">): string[] {
  return checkCase.faults.map((scheduled) => {
    const window = scheduled.healAtMs === undefined ? `${scheduled.atMs / 1_000} s` : `${scheduled.atMs / 1_000} s–${scheduled.healAtMs / 1_000} s`;
    return `${window.padEnd(12)} ${scheduled.fault.kind} ${faultTarget(scheduled.fault)} ${JSON.stringify(scheduled.fault)}`;
  });
}

export function checkScenario(
  checkCase: CheckCase,
  property: CheckProperty,
  topology: TopologyName,
  testFaults?: BrokerTestFaults,
): Scenario {
  const { workload } = checkCase;
  const kinds = [...new Set(checkCase.faults.map((scheduled) => scheduled.fault.kind))].join(", ") || "no fault";
  const broken = testFaults === undefined ? "" : ` — deliberately broken broker ${JSON.stringify(testFaults)}`;
  const scenario: Scenario = {
    name: `check/${property.name}/${topology}`,
    description: `mqlab check ${property.name}: generated schedule (${kinds}) on ${topology}, ` +
      `${workload.producers}×${workload.ratePerSecond}/s ${workload.ordered ? "ordered " : ""}sends, ` +
      `${workload.consumers} consumers, ${workload.flushDiskType}${broken}`,
    topology,
    brokerConfig: { flushDiskType: workload.flushDiskType },
    intervals: { ...checkIntervals },
    workload: {
      topics: [{ name: checkTopic, queues: 4 }],
      producers: [{
        count: workload.producers, topic: checkTopic, ratePerSecond: workload.ratePerSecond,
        tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 128,
        ...(workload.ordered ? { ordered: true, orderKeys: 8 } : {}),
      }],
      consumers: [{
        group: checkGroup, topic: checkTopic, count: workload.consumers, mode: "push", model: "CLUSTERING",
        subscription: "*", ...(workload.ordered ? { orderly: true } : {}),
      }],
    },
    faults: checkCase.faults.map((scheduled) => ({ ...scheduled })),
    durationMs: checkTiming.sendMs,
    // A poison message sent last needs its two reconsumes (10 s + 30 s) before the DLQ has it.
    quiesceMs: (workload.mixes ?? []).length > 0 ? Math.max(checkTiming.quiesceMs, mixesQuiesceMs) : checkTiming.quiesceMs,
    expectations: { checkers: checkersWithMixes(property.checkers, workload.mixes ?? []) },
  };
  if ((workload.mixes ?? []).length > 0) {
    scenario.workload = combineMixes(scenario.workload, ...(workload.mixes ?? []).map((mix) => buildMix(mix, { sendMs: checkTiming.sendMs })));
    scenario.description += `, mixes: ${(workload.mixes ?? []).join(", ")}`;
  }
  if (testFaults !== undefined) scenario.testFaults = { ...testFaults };
  return scenario;
}
