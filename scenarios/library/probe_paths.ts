// Scenarios that reach a rare code probe (system/env/probe.ts) on purpose, every seed, so the
// CI suite (and with it the battery) keeps the path tested instead of waiting for a swarm run to
// stumble on it. Each says which state it builds and why that state leads to the probe.
import type { Scenario } from "../../chaos/scenario.ts";
import { allCheckerNames } from "../../chaos/checkers/index.ts";

/**
 * store.consume-queue.gap on broker-a-s: a rack power loss (master and slave) after the
 * master's disk stopped syncing. RocketMQ 4.9.7's documented HA divergence, one step on:
 *
 * 1. Commit-log segments are 64 KiB and flushCommitLogLeastPages is more pages than a segment
 *    has, with no thorough flush in the run: a broker fsyncs a segment only once it is full,
 *    so its current segment is never fsynced and a power loss drops it whole. Each broker
 *    comes back with its log ending exactly at a segment boundary.
 * 2. broker-a's fsyncs fail (EIO) from 20 s; it loses power at 25 s. Every segment it filled
 *    after 20 s is gone: its log ends at B_m. broker-a-s (in sync, fsyncing) loses power at
 *    27 s and keeps every full segment: its log ends at B_s, several segments past B_m.
 * 3. broker-a restarts at 30 s and gives queue offsets from its shorter consume queues; the
 *    slave reports B_s > B_m (ha.master.divergence) and 4.9.7 transfers from B_s once the
 *    master's log passes it. B_s is a segment start in both logs, so the slave parses the
 *    master's records from there.
 * 4. From 30 s a second producer sends 64-byte bodies besides the 1 KiB ones, so the master
 *    writes more records per queue into [B_m, B_s) than it lost there. The first record the
 *    slave receives for a queue carries a queue offset past the slave's consume queue: a gap.
 *
 * Consumers read from the master (it is up after 30 s), so every checker still holds: the
 * acked messages the master lost are inside its flush window (allowance a) and the replica
 * checker notes the divergence after a master power loss. Seeds 1-40 all reach the gap (four
 * queues, one hit each) with every checker passing; probe_paths.test.ts runs seeds 1-3.
 */
export function consumeQueueGapScenario(): Scenario {
  return {
    name: "probe/2m-2s-async/consume-queue-gap",
    description: "2m-2s-async: broker-a's fsyncs fail, then broker-a and broker-a-s lose power; the restarted master writes past the slave's end and the slave's consume queues get a gap (store.consume-queue.gap)",
    topology: "2m-2s-async",
    brokerConfig: {
      flushDiskType: "ASYNC_FLUSH",
      mapedFileSizeCommitLog: "65536",
      maxMessageSize: "16384",
      flushIntervalCommitLog: "500",
      flushCommitLogLeastPages: "1000",
      flushCommitLogThoroughInterval: "600000",
      flushConsumeQueueThoroughInterval: "600000",
    },
    intervals: {
      routePollMs: 3000, clientHeartbeatMs: 3000, brokerRegisterMs: 1000, namesrvScanMs: 2000, brokerExpiryMs: 10000,
      clientScanMs: 2000, clientExpiryMs: 10000, rebalanceMs: 3000, offsetPersistMs: 1000, sendTimeoutMs: 3000, pullSuspendMs: 1000,
    },
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [
        { count: 1, topic: "TopicTest", ratePerSecond: 40, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 1024 },
        { count: 1, topic: "TopicTest", ratePerSecond: 40, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 64, startAtMs: 30_000 },
      ],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING", subscription: "*" }],
    },
    faults: [
      { atMs: 20_000, healAtMs: 26_000, fault: { kind: "disk-error", target: "broker-a", errors: "fsync" } },
      { atMs: 25_000, healAtMs: 30_000, fault: { kind: "power-loss", target: "broker-a" } },
      { atMs: 27_000, healAtMs: 29_000, fault: { kind: "power-loss", target: "broker-a-s" } },
    ],
    durationMs: 60_000,
    quiesceMs: 30_000,
    expectations: { checkers: [...allCheckerNames] },
  };
}

export function probePathScenarios(): Scenario[] {
  return [consumeQueueGapScenario()];
}
