// The swarm's generators: every drawn configuration is one the broker accepts (same parser and
// validation as mqbroker), every fault draw names nodes the plan has and heals in the send
// phase, and a failure shrinks toward RocketMQ's defaults and no fault.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseBrokerConfig, validateBrokerConfig } from "../../system/config/index.ts";
import { findProperty } from "../check/properties.ts";
import { validateScenario } from "../execute.ts";
import { planCluster } from "../plan.ts";
import { topologyFactsFromFiles } from "../checkers/context.ts";
import { loadTopology } from "../topologies/index.ts";
import { defaultSwarmConfig, slowConsumeFields, stallNode, swarmConfigArbitrary, swarmOptionNames, swarmOptionValues } from "./config.ts";
import { faultDrawsArbitrary, swarmFaultDraw, swarmFaultKinds, swarmNodes, swarmTiming } from "./faults.ts";
import { swarmCaseArbitrary, swarmDrain, swarmFaultWeights, swarmOrderlyDrain, swarmScenario, transactionalProducerNode, transactionProducerCrash, type SwarmCase } from "./swarm_case.ts";

const context = { homeDir: "/home/mq", hostName: "host", localIp: "10.0.0.1", totalPhysicalMemoryBytes: 8 * 1024 ** 3 };

test("every drawn configuration parses and validates as broker.conf on every broker, and reaches the checkers' facts", () => {
  const property = findProperty("durability");
  fc.assert(fc.property(swarmCaseArbitrary(property), (swarmCase) => {
    const scenario = swarmScenario(swarmCase, property);
    validateScenario(scenario);
    const plan = planCluster(scenario, 1);
    for (const broker of plan.brokers) {
      const { config } = parseBrokerConfig(broker.confText, broker.node, context);
      validateBrokerConfig(config, broker.node);
      assert.equal(config.mapedFileSizeCommitLog, swarmCase.config.mapedFileSizeCommitLog);
      assert.equal(config.flushDiskType, swarmCase.config.flushDiskType);
      assert.equal(config.longPollingEnable, swarmCase.config.longPollingEnable);
      const housekeepingMs = swarmCase.config.haHousekeeping === "short" ? 3 * swarmCase.config.haSendHeartbeatInterval : 20_000;
      assert.equal(config.haHousekeepingInterval, housekeepingMs);
      assert.ok(config.haHousekeepingInterval > config.haSendHeartbeatInterval, "a quiet healthy link never expires");
      const stalls = broker.node === stallNode && swarmCase.config.pageCacheStall !== "none";
      assert.equal(config.putMessageLockHoldMs, stalls ? 20 : 0);
      if (stalls) assert.ok(swarmCase.config.pageCacheStall === "busy" ? config.osPageCacheBusyTimeOutMills < 20 : config.waitTimeMillsInSendQueue === 50);
    }
    const group = scenario.workload.consumers[0]!;
    if (swarmCase.config.pullMaxIdle === "short") assert.ok(group.pullMaxIdleTimeMs! > swarmCase.config.pullSuspendMs && group.pullMaxIdleTimeMs! < 2 * swarmCase.config.pullSuspendMs);
    const slow = swarmCase.config.slowConsume === "timeout" && !swarmCase.ordered;
    assert.equal(group.consumeTimeoutMs, slow ? slowConsumeFields.consumeTimeoutMs : undefined, "orderly groups never get slow consumers");
    // The checkers judge against the drawn configuration: it is in their topology facts.
    const facts = topologyFactsFromFiles(loadTopology(scenario.topology), scenario.brokerConfig ?? {}, scenario.brokerConfigByNode ?? {});
    for (const broker of facts.brokers) {
      assert.equal(broker.flushDiskType, swarmCase.config.flushDiskType);
      assert.equal(broker.unflushedWindowMs, swarmCase.config.flushCommitLogThoroughInterval + swarmCase.config.flushIntervalCommitLog);
    }
    assert.deepEqual(scenario.generated?.config.topology, swarmCase.config.topology);
    if (swarmCase.ordered) assert.equal(scenario.workload.producers[0]?.sendMode, "sync");
  }), { numRuns: 60, seed: 7 });
});

test("a configuration shrinks to RocketMQ's defaults (each option's first value)", () => {
  const defaults = defaultSwarmConfig();
  assert.equal(defaults.flushDiskType, "ASYNC_FLUSH");
  assert.equal(defaults.mapedFileSizeCommitLog, 1024 * 1024 * 1024);
  assert.equal(defaults.mapedFileSizeConsumeQueue, 300_000 * 20);
  assert.equal(defaults.retryTimesWhenSendFailed, 2);
  assert.equal(defaults.sendLatencyFaultEnable, false);
  assert.equal(defaults.longPollingEnable, true);
  assert.equal(defaults.pullBatchSize, 32);
  assert.equal(defaults.consumeMessageBatchMaxSize, 1);
  const details = fc.check(fc.property(swarmConfigArbitrary(), () => false), { seed: 3 });
  assert.ok(details.failed && details.counterexample !== null);
  assert.deepEqual(details.counterexample[0], defaults);
  // A pinned option stays pinned while the rest shrinks.
  const pinned = fc.check(fc.property(swarmConfigArbitrary({ flushDiskType: "SYNC_FLUSH" }), () => false), { seed: 3 });
  assert.deepEqual(pinned.counterexample?.[0], { ...defaults, flushDiskType: "SYNC_FLUSH" });
  // Shrinking is toward the default for one option the failure needs, not away from it.
  const needsSmallSegments = fc.check(fc.property(swarmConfigArbitrary(), (config) => config.mapedFileSizeCommitLog > 64 * 1024), { seed: 5 });
  const shrunk = needsSmallSegments.counterexample?.[0];
  assert.ok(shrunk !== undefined);
  assert.deepEqual({ ...shrunk, mapedFileSizeCommitLog: defaults.mapedFileSizeCommitLog }, defaults);
  assert.ok(shrunk.mapedFileSizeCommitLog <= 64 * 1024);
});

test("a swarm case shrinks to no fault and the default configuration on its own topology", () => {
  const details = fc.check(fc.property(swarmCaseArbitrary(findProperty("durability")), (_case: SwarmCase) => false), { seed: 11 });
  const shrunk = details.counterexample?.[0];
  assert.ok(shrunk !== undefined);
  assert.deepEqual(shrunk.draws, []);
  assert.equal(shrunk.ordered, false);
  assert.deepEqual(shrunk.config, { ...defaultSwarmConfig(), topology: shrunk.config.topology });
});

test("every fault kind can be drawn on a topology with slaves, names only planned nodes and heals in the send phase", () => {
  const topology = "2m-2s-sync";
  const nodes = swarmNodes(topology);
  const known = new Set([...nodes.nameServers, ...nodes.brokers, ...nodes.allClients]);
  for (const kind of swarmFaultKinds) {
    const arbitrary = swarmFaultDraw(kind, nodes);
    assert.ok(arbitrary !== undefined, `${kind} cannot be drawn on ${topology}`);
    for (const draw of fc.sample(arbitrary, { seed: 1, numRuns: 30 })) {
      assert.equal(draw.kind, kind);
      assert.ok(draw.faults.length >= 1);
      for (const scheduled of draw.faults) {
        assert.ok(scheduled.healAtMs !== undefined && scheduled.healAtMs <= swarmTiming.sendMs - swarmTiming.healMarginMs);
        const fault = scheduled.fault;
        const names = fault.kind === "firewall" || fault.kind === "flow" ? [fault.source, fault.target]
          : fault.kind === "heartbeat-loss" ? [fault.source] : fault.kind === "namesrv-all-down" || fault.kind === "partition" ? [] : [fault.target];
        for (const name of names) assert.ok(known.has(name), `${kind} names ${name}`);
      }
    }
  }
  // Without slaves there is no replication to cut.
  assert.equal(swarmFaultDraw("partition-replication-only", swarmNodes("2m-noslave")), undefined);
});

test("a failover restart crashes a master and every consumer at once, the consumers back first", () => {
  const nodes = swarmNodes("2m-2s-async");
  const arbitrary = swarmFaultDraw("failover-restart", nodes);
  assert.ok(arbitrary !== undefined);
  for (const draw of fc.sample(arbitrary, { seed: 3, numRuns: 100 })) {
    const [master, ...consumers] = draw.faults;
    assert.ok(master !== undefined && master.fault.kind === "crash" && nodes.masters.includes(master.fault.target));
    assert.deepEqual(consumers.map((scheduled) => scheduled.fault.kind === "crash" ? scheduled.fault.target : ""), nodes.allClients.filter((name) => name.startsWith("consumer-")));
    assert.ok(master.atMs >= 15_000 && master.atMs <= 20_000, "late: the group has more history than a slave-synced replay depth");
    for (const consumer of consumers) {
      assert.equal(consumer.atMs, master.atMs);
      assert.ok(consumer.healAtMs! < master.healAtMs!, JSON.stringify(draw.faults));
    }
  }
});

test("every role is hit: over many draws each role takes crashes, and weights follow the property", () => {
  const draws = fc.sample(faultDrawsArbitrary("2m-2s-async", { "crash": 1 }, 5), { seed: 2, numRuns: 200 }).flat();
  const roles = new Set(draws.map((draw) => draw.role));
  for (const role of ["namesrv", "master", "slave", "producer", "consumer"]) assert.ok(roles.has(role as never), `no crash on a ${role}`);
  const rebalance = swarmFaultWeights(findProperty("rebalance-converges"));
  assert.equal(rebalance["power-loss"], undefined);
  assert.equal(rebalance["disk-full"], undefined);
  assert.ok((rebalance["restart-loop"] ?? 0) > 0);
  const durability = swarmFaultWeights(findProperty("durability"));
  for (const kind of swarmFaultKinds) assert.ok((durability[kind] ?? 0) > 0, `durability never draws ${kind}`);
});

test("every option lists its default first and only valid values", () => {
  for (const name of swarmOptionNames) assert.ok(swarmOptionValues[name].length >= 2, `${name} has nothing to draw`);
  for (const size of swarmOptionValues.mapedFileSizeConsumeQueue) assert.equal(size % 20, 0);
});

test("bounded-duplicates: one consumer, at most its crash, and a duplicate bound only a crash widens", () => {
  const property = findProperty("bounded-duplicates");
  for (const swarmCase of fc.sample(swarmCaseArbitrary(property), { seed: 4, numRuns: 40 })) {
    const scenario = swarmScenario(swarmCase, property);
    assert.equal(scenario.workload.consumers[0]?.count, 1);
    assert.ok(scenario.faults.every((scheduled) => scheduled.fault.kind === "crash" && scheduled.fault.target === "consumer-GroupTest-1"));
    assert.ok(scenario.faults.length <= 1);
    const bound = scenario.expectations.maxDuplicated;
    assert.ok(bound !== undefined);
    if (scenario.faults.length === 0) assert.equal(bound, 0);
    else assert.ok(bound > 0 && bound < swarmCase.config.producers * swarmCase.config.ratePerSecond * (scenario.faults[0]!.atMs / 1_000), "the bound stays below what a restart from the first offset re-delivers");
  }
});

test("faults on clients a case does not have are dropped, partitions included", () => {
  const property = findProperty("rebalance-converges");
  for (const swarmCase of fc.sample(swarmCaseArbitrary(property), { seed: 9, numRuns: 150 })) {
    const scenario = swarmScenario(swarmCase, property);
    const consumers = new Set(Array.from({ length: swarmCase.config.consumers }, (_, index) => `consumer-GroupTest-${index + 1}`));
    for (const scheduled of scenario.faults) {
      const fault = scheduled.fault;
      const named = fault.kind === "partition" ? [fault.target ?? ""] : fault.kind === "firewall" || fault.kind === "flow" ? [fault.source, fault.target] : [];
      for (const name of named) if (name.startsWith("consumer-")) assert.ok(consumers.has(name), `${name} is not in a case with ${swarmCase.config.consumers} consumer(s)`);
      if (fault.kind === "clock-skew") assert.ok(!fault.target.startsWith("consumer-") && !fault.target.startsWith("producer-"));
    }
  }
});

test("the transactions mix: its brokers check half messages inside the run, its producer crashes once, the checker judges", () => {
  const property = findProperty("hostile");
  const swarmCase: SwarmCase = { draws: [], config: { ...defaultSwarmConfig(), producers: 2 }, ordered: false, mixes: ["failing", "transactions"], seed: 1 };
  const scenario = swarmScenario(swarmCase, property);
  validateScenario(scenario);
  assert.equal(scenario.brokerConfig?.["transactionCheckInterval"], "5000");
  // producer-1, producer-2 (base), producer-3 (failing), producer-4 (transactions).
  assert.equal(transactionalProducerNode(scenario.workload.producers), "producer-4");
  assert.deepEqual(scenario.faults, [{ ...transactionProducerCrash, fault: { kind: "crash", target: "producer-4" } }]);
  assert.ok(scenario.expectations.checkers.includes("transactions"));
  const without = swarmScenario({ ...swarmCase, mixes: ["failing"] }, property);
  assert.equal(without.brokerConfig?.["transactionCheckInterval"], undefined);
  assert.deepEqual(without.faults, []);
});

test("slaveReadEnable: a master with a slave loses no power (its slave would diverge ahead of it); slaves and slave-less masters still do", () => {
  const property = findProperty("all");
  const powerLoss = (target: string): SwarmCase["draws"][number] => ({ kind: "power-loss", role: "master", faults: [{ atMs: 5_000, healAtMs: 8_000, fault: { kind: "power-loss", target } }] });
  const targets = (config: Partial<SwarmCase["config"]>, names: string[]): string[] => swarmScenario({
    draws: names.map(powerLoss), config: { ...defaultSwarmConfig(), ...config }, ordered: false, mixes: [], seed: 1,
  }, property).faults.map((scheduled) => (scheduled.fault.kind === "power-loss" ? scheduled.fault.target : ""));
  assert.deepEqual(targets({ topology: "2m-2s-async", slaveReadEnable: true }, ["broker-a", "broker-b-s"]), ["broker-b-s"]);
  assert.deepEqual(targets({ topology: "2m-2s-async", slaveReadEnable: false }, ["broker-a", "broker-b-s"]), ["broker-a", "broker-b-s"]);
  assert.deepEqual(targets({ topology: "2m-noslave", slaveReadEnable: true }, ["broker-a"]), ["broker-a"]);
});

test("an ordered run with any fault drains in steps that outlast a queue lock; without a fault or unordered, in 20 s steps", () => {
  // Seed 18 swarm run 1238: a bridge partition on a slave, no consumer fault; a live holder
  // dropped its queue while its route lacked the master, so its unlock was never sent and the
  // lock held the queue until lockMaxLiveTime after its last renewal.
  const property = findProperty("all");
  const partition: SwarmCase["draws"][number] = { kind: "partition-bridge", role: "slave", faults: [{ atMs: 17_000, healAtMs: 29_000, fault: { kind: "partition", shape: "bridge", target: "broker-b-s" } }] };
  const drain = (ordered: boolean, draws: SwarmCase["draws"]): number | undefined => swarmScenario({
    draws, config: { ...defaultSwarmConfig(), topology: "2m-2s-sync" }, ordered, mixes: [], seed: 1,
  }, property).drainUntilIdle?.idleStepMs;
  assert.equal(drain(true, [partition]), swarmOrderlyDrain.idleStepMs);
  assert.ok(swarmOrderlyDrain.idleStepMs > 60_000, "longer than the broker's lockMaxLiveTime");
  assert.equal(drain(true, []), swarmDrain.idleStepMs);
  assert.equal(drain(false, [partition]), swarmDrain.idleStepMs);
});
