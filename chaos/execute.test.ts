// executeScenario's drain: drainUntilIdle keeps advancing while consumers still receive new
// messages and stops one idle step after the last; the judged end moves with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Cluster, Deployer } from "./deploy/types.ts";
import type { HistoryRecorder } from "./history/types.ts";
import { drainsWorkload, executeScenario } from "./execute.ts";
import { standardScenario } from "../scenarios/library/standard.ts";
import type { Scenario } from "./scenario.ts";

/** A cluster whose consumer receives message i at `deliverAtMs[i]` of run time. */
function fakeDeployer(deliverAtMs: readonly number[]): Deployer & { advancedTo: number[]; drained: number[] } {
  const advancedTo: number[] = [];
  const drained: number[] = [];
  let nowMs = 0;
  let history: HistoryRecorder | undefined;
  let next = 0;
  const cluster: Cluster = {
    deployer: "sim",
    nowMs: () => nowMs,
    advanceTo: async (ms) => {
      advancedTo.push(ms);
      nowMs = Math.max(nowMs, ms);
      while (next < deliverAtMs.length && deliverAtMs[next]! <= nowMs) {
        history?.record({ type: "deliver", op: "consume", timeMs: deliverAtMs[next]!, process: "consumer-G-1", group: "G", messageId: `m-${next}`, topic: "T", queue: "broker-a:0", queueOffset: next, reconsumeTimes: 0, result: "success" });
        next++;
      }
    },
    nodes: () => [],
    namesrvAddr: () => "127.0.0.1:9876",
    inject: async () => {},
    heal: async () => {},
    startWorkload: async (_workload, recorder) => { history = recorder; },
    stopProducers: async () => {},
    teardown: async () => {},
    drainWorkload: async () => { drained.push(nowMs); },
  };
  return { name: "sim", supports: () => ({ supported: true }), deploy: async () => cluster, advancedTo, drained };
}

const scenario = (drain?: Scenario["drainUntilIdle"]): Scenario => ({
  ...standardScenario("1m", "no-fault"), faults: [], durationMs: 10_000, quiesceMs: 10_000, ...(drain === undefined ? {} : { drainUntilIdle: drain }),
});

test("without drainUntilIdle the run ends at durationMs + quiesceMs", async () => {
  const deployer = fakeDeployer([5_000, 25_000]);
  const execution = await executeScenario(scenario(), deployer, { seed: 1, outDir: "", wallClock: () => 0 });
  assert.equal(execution.endMs, 20_000);
  assert.equal(execution.history.events.filter((event) => event.type === "deliver").length, 1);
});

test("drainUntilIdle advances while new messages arrive and stops one idle step after the last", async () => {
  const deployer = fakeDeployer([5_000, 25_000, 38_000, 90_000]);
  const execution = await executeScenario(scenario({ idleStepMs: 10_000, maxExtraMs: 600_000 }), deployer, { seed: 1, outDir: "", wallClock: () => 0 });
  // 20 s: 1 delivered; 30 s: 2 (progress); 40 s: 3 (progress); 50 s: 3 (idle) → stop.
  assert.equal(execution.endMs, 50_000);
  assert.equal(execution.history.events.filter((event) => event.type === "deliver").length, 3);
  assert.ok(execution.history.events.some((event) => event.type === "note" && /drained 30000 ms past the quiesce/.test(event.text)));
});

test("drainUntilIdle never runs past maxExtraMs", async () => {
  const steady = Array.from({ length: 100 }, (_, index) => 15_000 + index * 5_000);
  const execution = await executeScenario(scenario({ idleStepMs: 10_000, maxExtraMs: 30_000 }), fakeDeployer(steady), { seed: 1, outDir: "", wallClock: () => 0 });
  assert.equal(execution.endMs, 50_000);
});

test("the workload drains (dead letters, key lookups) unless the run judges no key lookup and no group reads its DLQ", async () => {
  // The standard workload's GroupOrderly and GroupFailing dead-letter 2 % poison messages.
  const run = async (checkers: Scenario["expectations"]["checkers"], poisonPercent?: number): Promise<number> => {
    const base = scenario();
    const consumers = base.workload.consumers.map((group) => (poisonPercent === undefined ? group : { ...group, poisonPercent }));
    const deployer = fakeDeployer([]);
    await executeScenario({ ...base, workload: { ...base.workload, consumers }, expectations: { checkers } }, deployer, { seed: 1, outDir: "", wallClock: () => 0 });
    return deployer.drained.length;
  };
  assert.equal(await run([]), 1);
  assert.equal(await run(["key-lookup"]), 1);
  // A group that dead-letters poison messages: its %DLQ% read is what accounts for them (battery seed 1 run 824).
  assert.equal(await run(["delivery"]), 1);
  assert.equal(await run(["delivery"], 0), 0);
});

test("the workload drains for judged key lookups or a group that reads its DLQ, else not", () => {
  const plain = scenario();
  const base: Scenario = { ...plain, workload: { ...plain.workload, consumers: [{ group: "GroupTest", topic: "TopicTest", count: 1 }] } };
  const withCheckers = (checkers: Scenario["expectations"]["checkers"]): Scenario => ({ ...base, expectations: { ...base.expectations, checkers } });
  const withGroup = (checkers: Scenario["expectations"]["checkers"], group: Partial<Scenario["workload"]["consumers"][number]>): Scenario => ({
    ...withCheckers(checkers),
    workload: { ...base.workload, consumers: [...base.workload.consumers, { group: "GroupPoison", topic: "TopicTest", count: 1, ...group }] },
  });
  assert.equal(drainsWorkload(withCheckers([])), true);
  assert.equal(drainsWorkload(withCheckers(["delivery", "key-lookup"])), true);
  // Dead letters count as handled for delivery: the run must read them even without key-lookup.
  assert.equal(drainsWorkload(withGroup(["delivery"], { poisonPercent: 2 })), true);
  assert.equal(drainsWorkload(withGroup(["delivery"], { readDlq: true })), true);
  assert.equal(drainsWorkload(withGroup(["delivery"], { poisonPercent: 2, readDlq: false })), false);
  assert.equal(drainsWorkload(withCheckers(["delivery"])), false);
});
