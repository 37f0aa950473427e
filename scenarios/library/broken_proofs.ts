// The broken-switch proofs: for every `--broken` switch (chaos/check/broken.ts) one short,
// deterministic scenario whose shape (topology, workload, fault schedule, broker.conf) exposes
// it, judged ONLY by the checker the switch exists for. So `mqlab run broken/<switch> --broken
// <switch>` exits 1 exactly when that checker failed (2 if the run broke), and the same run
// without --broken must exit 0: that checker is alive and not a false positive on this shape.
// One code path: these are ordinary library scenarios; `--broken` only sets scenario.testFaults.
// scenarios/library/broken_proofs.test.ts runs every proof both ways; `just check-ci` runs
// every broken one and fails if any is not caught.
// Intervals are the check intervals (route poll, heartbeats, registration 3 s, expiry 10 s).
import type { ScheduledFault } from "../../chaos/faults/types.ts";
import type { BrokerTestFaults } from "../../system/broker/index.ts";
import type { CheckerName, ConsumerGroupSpec, ProducerSpec, Scenario, TopologyName } from "../../chaos/scenario.ts";
import { checkIntervals } from "../../chaos/check/check_scenario.ts";

export type BrokenSwitchName = keyof BrokerTestFaults;

export interface BrokenProof {
  /** The switch, as `--broken` names it. */
  switch: BrokenSwitchName;
  /** The checker that must fail with the switch on (and pass without it). */
  checker: CheckerName;
  /** The scenario (testFaults unset: `--broken` or the test sets it). */
  scenario: Scenario;
  /**
   * Set when the lab cannot catch the switch today: why, and what the checker would need. The
   * test runs such a proof as a todo (it flips to a pass when the checker learns it) and
   * `just check-ci` leaves it out.
   */
  gap?: string;
}

const topic = "TopicTest";
const group = "GroupTest";

interface Shape {
  topology: TopologyName;
  what: string;
  producers: ProducerSpec[];
  consumers: ConsumerGroupSpec[];
  faults?: ScheduledFault[];
  brokerConfig?: Record<string, string>;
  durationMs: number;
  quiesceMs: number;
  queues?: number;
}

function proof(name: BrokenSwitchName, checker: CheckerName, shape: Shape, gap?: string): BrokenProof {
  return {
    switch: name,
    checker,
    ...(gap === undefined ? {} : { gap }),
    scenario: {
      name: `broken/${name}`,
      description: `proof that --broken ${name} is caught by ${checker}: ${shape.what}`,
      topology: shape.topology,
      brokerConfig: { flushDiskType: "SYNC_FLUSH", ...shape.brokerConfig },
      intervals: { ...checkIntervals },
      workload: { topics: [{ name: topic, queues: shape.queues ?? 4 }], producers: shape.producers, consumers: shape.consumers },
      faults: shape.faults ?? [],
      durationMs: shape.durationMs,
      quiesceMs: shape.quiesceMs,
      expectations: { checkers: [checker] },
    },
  };
}

const steadyProducer: ProducerSpec = { count: 1, topic, ratePerSecond: 20, tags: ["TagA"], sendMode: "sync", bodySizeBytes: 128 };
const plainGroup: ConsumerGroupSpec = { group, topic, count: 2, mode: "push", model: "CLUSTERING", subscription: "*" };

/** Every switch's proof, in broken.ts's order. */
export function brokenProofs(): BrokenProof[] {
  return [
    proof("ackBeforeFlush", "delivery", {
      topology: "1m", what: "SYNC_FLUSH single broker whose fsync is 200× slower from 2 s, power loss at 5 s during steady sync sends: acked, never flushed",
      producers: [{ ...steadyProducer, ratePerSecond: 50 }], consumers: [plainGroup],
      faults: [
        { atMs: 2_000, healAtMs: 9_000, fault: { kind: "slow-disk", target: "broker-a", factor: 200 } },
        { atMs: 5_000, healAtMs: 8_000, fault: { kind: "power-loss", target: "broker-a" } },
      ],
      durationMs: 12_000, quiesceMs: 15_000,
    }),
    proof("dropEveryNthSend", "delivery", {
      topology: "1m", what: "steady sends, no fault: every Nth acked message is never stored",
      producers: [steadyProducer], consumers: [plainGroup], durationMs: 8_000, quiesceMs: 8_000,
    }),
    proof("duplicatePullEveryNth", "duplicates", {
      topology: "1m", what: "steady sends to one consumer, no fault and no rebalance after start: duplicates have no cause",
      producers: [steadyProducer], consumers: [{ ...plainGroup, count: 1 }], durationMs: 15_000, quiesceMs: 8_000,
    }),
    proof("skipCommitOffset", "duplicates", {
      topology: "1m", what: "a consumer crash and restart: its queues resume from the broker's offset, which never moved",
      producers: [steadyProducer], consumers: [plainGroup],
      faults: [{ atMs: 6_000, healAtMs: 9_000, fault: { kind: "crash", target: `consumer-${group}-1` } }],
      durationMs: 14_000, quiesceMs: 12_000,
    }),
    proof("writeBehindMs", "delivery", {
      topology: "1m", what: "SYNC_FLUSH single broker crashed during steady sync sends: acked messages still in the write-behind buffer die",
      producers: [{ ...steadyProducer, ratePerSecond: 50 }], consumers: [plainGroup],
      faults: [{ atMs: 5_000, healAtMs: 8_000, fault: { kind: "crash", target: "broker-a" } }],
      durationMs: 12_000, quiesceMs: 15_000,
    }),
    proof("lockGrantEveryone", "orderly", {
      topology: "1m", what: "ordered sends by key to a slow orderly group of 2; consumer 1 paused 4–18 s (expired at ~14 s, its queues go to consumer 2 while it still believes it holds their locks)",
      producers: [{ ...steadyProducer, ordered: true, orderKeys: 8 }],
      consumers: [{ ...plainGroup, orderly: true, processingMs: 100 }],
      faults: [{ atMs: 4_000, healAtMs: 18_000, fault: { kind: "pause", target: `consumer-${group}-1` } }],
      durationMs: 22_000, quiesceMs: 15_000,
    }),
    proof("retryWithoutDelay", "retry", {
      topology: "1m", what: "a group failing 30% of first deliveries with RECONSUME_LATER: retries must wait 10 s",
      producers: [{ ...steadyProducer, ratePerSecond: 10 }], consumers: [{ ...plainGroup, failurePercent: 30 }],
      durationMs: 6_000, quiesceMs: 20_000,
    }),
    proof("dlqOffByOne", "retry", {
      topology: "1m", what: "25 % poison messages with maxReconsumeTimes 1, DLQ read at the end: one redelivery too many (10 % left seeds 3 and 4 with no poison message among 40)",
      producers: [{ ...steadyProducer, ratePerSecond: 10 }],
      consumers: [{ ...plainGroup, poisonPercent: 25, maxReconsumeTimes: 1, readDlq: true }],
      // Reconsumes at level 3 (10 s) and 4 (30 s): the broken extra one lands at ~40 s.
      durationMs: 5_000, quiesceMs: 50_000,
    }),
    proof("delayIgnored", "delay", {
      topology: "1m", what: "half the messages sent with delay level 1–2 (1 s, 5 s): delivered at once",
      producers: [{ ...steadyProducer, ratePerSecond: 10, delayPercent: 50, delayLevels: [1, 2] }], consumers: [plainGroup],
      durationMs: 6_000, quiesceMs: 10_000,
    }),
    proof("namesrvKeepsClosedBroker", "routes", {
      topology: "2m-noslave", what: "broker-a crashed for 20 s (> 10 s expiry and several route polls): routes must drop it at channel close",
      producers: [steadyProducer], consumers: [plainGroup],
      faults: [{ atMs: 5_000, healAtMs: 25_000, fault: { kind: "crash", target: "broker-a" } }],
      durationMs: 30_000, quiesceMs: 10_000,
    }),
    proof("slaveCorruptsReplica", "replica", {
      topology: "2m-2s-async", what: "steady sends replicated to two slaves, store digests after the run",
      producers: [steadyProducer], consumers: [plainGroup], durationMs: 8_000, quiesceMs: 8_000,
    }),
    proof("syncMasterAcksEarly", "send-status", {
      topology: "2m-2s-sync",
      what: "SYNC_MASTER pairs; broker-a-s crashed 4–16 s during steady sync sends: SEND_OK from broker-a while its only slave is down claims a replica nobody has (healthy: SLAVE_NOT_AVAILABLE / FLUSH_SLAVE_TIMEOUT)",
      producers: [{ ...steadyProducer, ratePerSecond: 20 }], consumers: [plainGroup],
      faults: [{ atMs: 4_000, healAtMs: 16_000, fault: { kind: "crash", target: "broker-a-s" } }],
      durationMs: 18_000, quiesceMs: 8_000,
    }),
    proof("slaveSkipsOffsetSync", "duplicates", {
      topology: "2m-2s-async",
      what: "a group consumes for 40 s, then a rack failure: broker-a and both consumers crash at once; the consumers are back at 42 s, before broker-a (50 s), and read its queues' offsets from broker-a-s, synced at most a sync interval ago",
      producers: [steadyProducer], consumers: [plainGroup],
      faults: [
        { atMs: 40_000, healAtMs: 50_000, fault: { kind: "crash", target: "broker-a" } },
        { atMs: 40_000, healAtMs: 42_000, fault: { kind: "crash", target: `consumer-${group}-1` } },
        { atMs: 40_000, healAtMs: 42_000, fault: { kind: "crash", target: `consumer-${group}-2` } },
      ],
      durationMs: 55_000, quiesceMs: 10_000,
    }),
    proof("lastOffsetFromZero", "late-join", {
      topology: "1m", what: "a CONSUME_FROM_LAST_OFFSET group joins at 10 s on a queue whose offset 0 left memory (totalPhysicalMemoryBytes=1 MiB)",
      producers: [{ ...steadyProducer, ratePerSecond: 50, bodySizeBytes: 1_024 }],
      consumers: [plainGroup, { group: "GroupLate", topic, count: 1, mode: "push", model: "CLUSTERING", subscription: "*", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", startAtMs: 10_000 }],
      brokerConfig: { totalPhysicalMemoryBytes: "1048576" },
      queues: 1,
      durationMs: 14_000, quiesceMs: 8_000,
    }),
    proof("sqlFilterIgnored", "sql-filter", {
      topology: "1m", what: "a SQL92 group (n >= 50 AND region IN ('cn')) on messages with properties: it gets messages the selector rejects",
      producers: [{ ...steadyProducer, sqlProperties: true }],
      consumers: [{ group: "GroupSql", topic, count: 1, mode: "push", model: "CLUSTERING", sqlSelector: "n >= 50 AND region IN ('cn')" }],
      brokerConfig: { enablePropertyFilter: "true" },
      durationMs: 6_000, quiesceMs: 6_000,
    }),
  ];
}

export function brokenProofScenarios(): Scenario[] {
  return brokenProofs().map((entry) => entry.scenario);
}

export function findBrokenProof(name: string): BrokenProof {
  const found = brokenProofs().find((entry) => entry.switch === name);
  if (found === undefined) throw new Error(`no broken-switch proof for "${name}"`);
  return found;
}
