// Test support: a failing and a passing run, judged by the real checkers from hand-made
// histories, so report tests see realistic evidence (a lost id, a queue held by two, a
// duplicate, an over-long window) and a crash fault to shade.
import type { HistoryEvent } from "../../chaos/history/types.ts";
import { evaluateRun } from "../../chaos/checkers/index.ts";
import { HistoryBuilder, testContext } from "../../chaos/checkers/testing/history_builder.ts";
import type { RunResult } from "../../chaos/result.ts";
import { emptyCounts } from "../../chaos/result.ts";
import { rocketmqIntervals } from "../../chaos/scenario.ts";

export const lostId = "msg-<lost>&7";

function base(verdict: RunResult["verdict"]): RunResult {
  return {
    scenario: "2m-noslave/broker-a crash <script>", topology: "2m-noslave", deployer: "sim", seed: 42, verdict,
    checks: [], counts: emptyCounts(), intervals: rocketmqIntervals, wallMs: 1234, simulatedMs: 90_000, traceHash: "9f2c",
    replay: "npx mqlab run '2m-noslave/broker-a crash' --seed 42 --deployer sim",
    brokerConfig: { flushDiskType: "ASYNC_FLUSH" }, startedAt: "2026-01-01T00:00:00.000Z",
    faults: [{ atMs: 20_000, healAtMs: 50_000, kind: "crash", target: "broker-a" }],
  };
}

function history(broken: boolean): HistoryEvent[] {
  const builder = new HistoryBuilder().join(0, "consumer-G-1").join(0, "consumer-G-2")
    .rebalance(100, "consumer-G-1", ["broker-a:0", "broker-a:1"]).rebalance(100, "consumer-G-2", ["broker-b:0", "broker-b:1"]);
  const queues = ["broker-a:0", "broker-b:0", "broker-a:1", "broker-b:1"];
  const offsets = new Map<string, number>();
  for (let index = 0; index < 80; index++) {
    const at = 1000 + index * 1000;
    const aDown = at >= 20_000 && at < 50_000;
    const queue = aDown ? (queues[index % 4] ?? "").replace("broker-a", "broker-b") : queues[index % 4] ?? "";
    const offset = offsets.get(queue) ?? 0;
    offsets.set(queue, offset + 1);
    const id = index === 10 ? lostId : `msg-${index}`;
    builder.send({ id, at, queue, offset });
    if (broken && index === 10) continue;
    builder.deliver({ id, at: at + 20, process: queue.startsWith("broker-a") ? "consumer-G-1" : "consumer-G-2" });
  }
  builder.node(20_000, "broker-a", "crash").node(50_000, "broker-a", "restart").fault(20_000, 50_000, "crash", "broker-a");
  if (broken) {
    builder.deliver({ id: "msg-12", at: 60_000, process: "consumer-G-2" }).deliver({ id: "msg-12", at: 60_500, process: "consumer-G-2" });
    builder.rebalance(70_000, "consumer-G-2", ["broker-a:1", "broker-b:0", "broker-b:1"]);
  }
  return builder.build();
}

export function runFixture(broken: boolean): { result: RunResult; history: HistoryEvent[] } {
  const events = history(broken);
  const context = testContext({ endMs: 400_000, groups: [{ group: "G", topic: "T", count: 2 }], faults: [{ atMs: 20_000, healAtMs: 50_000, fault: { kind: "crash", target: "broker-a" } }] });
  const judged = evaluateRun(events, context);
  const result = { ...base(judged.verdict), checks: judged.checks, counts: judged.counts };
  return { result, history: events };
}
