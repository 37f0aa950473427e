// Scenarios that reach a rare code probe (system/env/probe.ts) on purpose, every seed, so the
// CI suite (and with it the battery) keeps the path tested instead of waiting for a swarm run to
// stumble on it. Each says which state it builds and why that state leads to the probe.
import type { Scenario } from "../../chaos/scenario.ts";
import { allCheckerNames } from "../../chaos/checkers/index.ts";
import { segmentationHarsh } from "../../chaos/sim/index.ts";

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
  return [consumeQueueGapScenario(), diskFullScenario(), slowSlaveScenario(), replicationResetsScenario(), slaveReadScenario()];
}

/**
 * Read failover on 2m-2s-sync: the slave serves a backlog while its master is down.
 *
 * 1. Both consumers are paused 10-20 s while the producers go on: each broker holds a backlog.
 * 2. broker-a's SYNC_MASTER crashes at 15 s and stays down until 60 s. Its slave holds every
 *    message it acked with SEND_OK; the NameServer drops the master when its connection closes,
 *    the consumers' next route poll (3 s) sends their pulls for broker-a's queues to the slave.
 * 3. Thawed at 20 s, the consumers drain broker-b's backlog from its master and broker-a's from
 *    broker-a-s, long before the master is back: the failover checker's consume-broker window
 *    for broker-a (bounds.ts read failover) holds them to the read switch, not to the crash.
 *    A slave that never heard of the group (the consumers' heartbeats skip slaves) refuses
 *    the pulls (SUBSCRIPTION_NOT_EXIST) and broker-a's backlog waits the 45 s for its master.
 */
export function slaveReadScenario(): Scenario {
  return {
    name: "probe/2m-2s-sync/slave-read",
    description: "2m-2s-sync: consumers paused while broker-a's master crashes; its slave serves broker-a's backlog until the master is back",
    topology: "2m-2s-sync",
    brokerConfig: { flushDiskType: "ASYNC_FLUSH" },
    intervals: shortIntervals,
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 1, topic: "TopicTest", ratePerSecond: 20, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 256 }],
      // Java's default: pulls carry no subscription, so the slave serves the group from its heartbeats.
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING", subscription: "*", postSubscriptionWhenPull: false }],
    },
    faults: [
      ...[1, 2].map((index) => ({ atMs: 10_000, healAtMs: 20_000, fault: { kind: "pause" as const, target: `consumer-GroupTest-${index}` } })),
      { atMs: 15_000, healAtMs: 60_000, fault: { kind: "crash" as const, target: "broker-a" } },
    ],
    durationMs: 70_000,
    quiesceMs: 20_000,
    expectations: { checkers: [...allCheckerNames] },
  };
}

/** The short client and broker intervals the probe-path scenarios share (as the gap scenario's). */
const shortIntervals = {
  routePollMs: 3000, clientHeartbeatMs: 3000, brokerRegisterMs: 1000, namesrvScanMs: 2000, brokerExpiryMs: 10000,
  clientScanMs: 2000, clientExpiryMs: 10000, rebalanceMs: 3000, offsetPersistMs: 1000, sendTimeoutMs: 3000, pullSuspendMs: 1000,
};

/**
 * The disk guard, ENOSPC and latency fault avoidance on 1m, a consumer frozen past client
 * expiry, and a power loss that leaves the consume queues ahead of the commit log:
 *
 * 1. Disk full at 8 s and again at 12.5 s (2 s each) under producer-1's 40 sends/s: the guard
 *    checks free space at most once a second, on a put, so the first put after the fault
 *    usually reaches the commit log before the guard looks and fails with ENOSPC
 *    (store.disk.enospc); the guard then refuses puts (store.put.refused-disk-full →
 *    SERVICE_NOT_AVAILABLE, broker.send.store-refused) until the heal frees space
 *    (store.disk.guard-ok-again). A put lands every 25 ms, so the guard's checks keep a
 *    1000 ms cadence on the put grid: an injection on a whole second may meet a check (at 12 s
 *    about half the seeds did: guard-full instead), so the two episodes are half a second apart
 *    in phase and at least one reaches ENOSPC.
 * 2. producer-1 has sendLatencyFaultEnable: the refusal isolates broker-a (notAvailableDuration
 *    of a failure: 600 s), the only broker, so each later send skips its queues
 *    (client.latency.avoided-broker) and picks it anyway as the best of the rest
 *    (client.latency.pick-not-best).
 * 3. producer-1 is frozen 17-25 s; only producer-2 sends, one message every 2 s, so every put
 *    makes the guard look first: the disk full at 20-23 s turns the guard full through its own
 *    check (store.disk.guard-full), and the heal back (guard-ok-again).
 * 4. consumer-GroupTest-1 freezes 27-42 s, beyond clientExpiryMs 10 s: the broker expires its
 *    channel (broker.client.consumer-expired), consumer 2 takes its queues and commits further;
 *    thawed, consumer 1 persists its stale offsets before its rebalance drops the queues
 *    (broker.offset.commit-regressed).
 * 5. broker-a loses power at 44 s. Its 64 KiB commit-log segments are fsynced only when full
 *    (flushCommitLogLeastPages above a segment's pages, no thorough flush), the consume queues
 *    every second (flushConsumeQueueLeastPages 0): the current segment was never made durable and
 *    vanishes, while the queues' durable units point into it (store.recovery.queue-truncated).
 *    The acked messages lost are inside the broker's flush window (delivery allowance).
 * Seeds 1-12 reach every one of these with every checker passing; probe_paths.test.ts runs 1-2.
 */
export function diskFullScenario(): Scenario {
  return {
    name: "probe/1m/disk-full",
    description: "1m: the broker's disk fills (fast producer: ENOSPC; slow producer alone: the guard), latency fault avoidance isolates the only broker; a consumer frozen past client expiry commits stale offsets",
    topology: "1m",
    brokerConfig: {
      flushDiskType: "ASYNC_FLUSH",
      mapedFileSizeCommitLog: "65536",
      maxMessageSize: "16384",
      flushCommitLogLeastPages: "1000",
      flushCommitLogThoroughInterval: "600000",
      flushConsumeQueueLeastPages: "0",
    },
    intervals: shortIntervals,
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [
        { count: 1, topic: "TopicTest", ratePerSecond: 40, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 256, latencyFaultAvoidance: true },
        { count: 1, topic: "TopicTest", ratePerSecond: 0.5, tags: ["TagA"], sendMode: "sync", bodySizeBytes: 256 },
      ],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING", subscription: "*" }],
    },
    faults: [
      { atMs: 8_000, healAtMs: 10_000, fault: { kind: "disk-full", target: "broker-a" } },
      { atMs: 12_500, healAtMs: 14_500, fault: { kind: "disk-full", target: "broker-a" } },
      { atMs: 17_000, healAtMs: 25_000, fault: { kind: "pause", target: "producer-1" } },
      { atMs: 20_000, healAtMs: 23_000, fault: { kind: "disk-full", target: "broker-a" } },
      { atMs: 27_000, healAtMs: 42_000, fault: { kind: "pause", target: "consumer-GroupTest-1" } },
      { atMs: 44_000, healAtMs: 46_000, fault: { kind: "power-loss", target: "broker-a" } },
    ],
    durationMs: 50_000,
    quiesceMs: 20_000,
    expectations: { checkers: [...allCheckerNames] },
  };
}

/**
 * SYNC_MASTER replication over a slow link on 2m-2s-sync:
 *
 * 1. From 8 s to 22 s the link broker-a → broker-a-s carries 64 KiB/s while producer-1 sends
 *    40 incompressible 16 KiB messages a second (async, about 330 KB/s to broker-a). The master's
 *    HA connection queues frames until 1 MiB is unsent and then backs off
 *    (ha.master.backpressure); SYNC_MASTER puts wait for a slave ack that lags by more than
 *    syncFlushTimeout 5 s (ha.sync-master.timeout).
 * 2. broker-a-s crashes at 8 s and restarts at 10 s, behind by two seconds of sends: the master's
 *    catch-up sends haTransferBatchSize (32 KiB) frames, which cut records in the middle. The
 *    slave crashes again at 15 s with such a frame last in its log (the page cache survives a
 *    crash), so its recovery cuts a partial record (store.recovery.tail-cut).
 * 3. The brokers run ASYNC_FLUSH with the default 10 s thorough interval (store.flush.thorough).
 * Sends that timed out at the client were stored anyway and their retries stored second copies
 * on broker-b: the duplicates checker attributes those to the producer retry (producer_retry.ts).
 * Seeds 1-12 reach every one of these with every checker passing; probe_paths.test.ts runs 1-2.
 */
export function slowSlaveScenario(): Scenario {
  return {
    name: "probe/2m-2s-sync/slow-slave",
    description: "2m-2s-sync: the link from broker-a to its slave slows to 64 KB/s under 16 KiB async sends: the HA socket backs up, SYNC_MASTER puts time out, and the slave crashes holding a record cut mid-way",
    topology: "2m-2s-sync",
    intervals: shortIntervals,
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [
        { count: 1, topic: "TopicTest", ratePerSecond: 40, tags: ["TagA", "TagB"], sendMode: "async", largeBodyPercent: 100, largeBodySizeBytes: 16 * 1024 },
      ],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING", subscription: "*" }],
    },
    faults: [
      {
        atMs: 8_000, healAtMs: 22_000,
        fault: { kind: "flow", source: "broker-a", target: "broker-a-s", delayMs: 0, jitterMs: 0, lossPercent: 0, direction: "one-way", bandwidthBytesPerSecond: 64 * 1024 },
      },
      { atMs: 8_000, healAtMs: 10_000, fault: { kind: "crash", target: "broker-a-s" } },
      { atMs: 15_000, healAtMs: 17_000, fault: { kind: "crash", target: "broker-a-s" } },
    ],
    durationMs: 30_000,
    quiesceMs: 20_000,
    expectations: { checkers: [...allCheckerNames] },
  };
}

/**
 * Replication connections cut inside frames, and small index files, on 2m-2s-sync:
 *
 * 1. TCP streams are cut into pieces (segmentationHarsh) and from 5 s to 20 s every write
 *    between broker-a and broker-a-s (either way, HA and remoting alike) is cut at a random
 *    byte with a 10 % chance, the connection reset (a flaky middlebox). Half the cut writes are
 *    the master's transfer frames: the slave holds part of a frame when its connection dies and
 *    reconnects (ha.slave.reconnect) to a master that starts the transfer afresh at the slave's
 *    offset. A slave that kept the partial frame would parse the new stream from the wrong
 *    byte: its log stops being a prefix of its master's (the replica checker) or it stops
 *    acking (send-status: SYNC_MASTER timeouts outside any fault window's recovery).
 * 2. broker-a-s crashes at 8 s and restarts at 10 s: its catch-up frames (haTransferBatchSize,
 *    32 KiB, cut into many pieces) are in flight when the resets come.
 * 3. IndexFiles of 128 entries and 32 hash slots (broker.conf maxIndexNum / maxHashSlotNum): a
 *    file is sealed every ~60 messages and colliding keys chain, so the key lookups every
 *    producer makes when the run drains (the key-lookup checker) walk chains across sealed and
 *    writable files.
 * Seeds 1-6 pass every checker; probe_paths.test.ts runs 1-2.
 */
export function replicationResetsScenario(): Scenario {
  return {
    name: "probe/2m-2s-sync/replication-resets",
    description: "2m-2s-sync: writes between broker-a and its slave are cut mid-frame (10 %) under harsh TCP chunking while the slave catches up after a crash; small index files, acked messages looked up by key",
    topology: "2m-2s-sync",
    brokerConfig: { maxHashSlotNum: "32", maxIndexNum: "128" },
    intervals: shortIntervals,
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 1, topic: "TopicTest", ratePerSecond: 40, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 4096 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING", subscription: "*" }],
    },
    faults: [
      {
        atMs: 5_000, healAtMs: 20_000,
        fault: { kind: "flow", source: "broker-a-s", target: "broker-a", delayMs: 0, jitterMs: 0, lossPercent: 0, direction: "both", resetPercent: 10 },
      },
      { atMs: 8_000, healAtMs: 10_000, fault: { kind: "crash", target: "broker-a-s" } },
    ],
    durationMs: 25_000,
    quiesceMs: 20_000,
    expectations: { checkers: [...allCheckerNames] },
    simNetwork: { segmentation: segmentationHarsh },
  };
}
