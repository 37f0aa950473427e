// Failures the battery found, kept as they were drawn (the shrunk swarm scenario) with the world
// seed that found them, so the fix stays proven: `mqlab run <name> --seed <seed>` replays one.
// Each entry says what broke and where it was fixed. A change to the simulator or the system
// can move a seed's history away from the failing path, so each test also asserts that the run
// still walks it (the probe or history event the failure needed).
import type { ScheduledFault } from "../../chaos/faults/types.ts";
import type { CheckerName, Scenario } from "../../chaos/scenario.ts";

/** The battery's "all" property when these runs were drawn (before the key-lookup checker). */
const ALL_CHECKERS_WHEN_DRAWN: readonly CheckerName[] = [
  "delivery", "order", "failover", "rebalance", "latency", "orderly", "sharding", "retry", "delay", "late-join",
  "producer-failover", "replica", "routes", "duplicates", "send-status", "sql-filter", "transactions",
];

export interface Regression {
  scenario: Scenario;
  /** runScenario's seed (the swarm run's world seed). */
  seed: number;
  /** Where it was found and what the fix was. */
  found: string;
}

/**
 * Seed 1 battery, swarm run 202 (1m). broker-a loses power 9–11 s with ASYNC_FLUSH, so its
 * queues come back shorter and two consumers' pulls get OFFSET_ILLEGAL at 11 s. The client drops
 * those queues and, 10 s later, takes them out of its table (4.9.x's executeTaskLater →
 * removeProcessQueue); at 22 s consumer-GroupTest-1 is back and the queue moves on. That removal
 * reached no observer snapshot, so the lab saw broker-a:3 held by consumer-GroupTest-4 and
 * consumer-GroupTest-5. Fixed in system/client/consumer/push_consumer_core.ts (removeProcessQueue
 * reports the held set); the rebalance loop itself kept running every 3 s throughout.
 */
function offsetIllegalQueueMoves(): Regression {
  const scenario = run202("regression/1m/offset-illegal-queue-moves",
    "battery seed 1 run 202 (shrunk): a master power loss sends pulls OFFSET_ILLEGAL, the 10 s fix removes the queue, a consumer rejoins and the queue moves (NameServer crash loop, slow disk)",
    [{ atMs: 7000, healAtMs: 22000, fault: { kind: "power-loss", target: "consumer-GroupTest-1" } }]);
  return { scenario, seed: 918837493, found: "mqlab battery --budget 300 --seed 1, swarm run 202 (shrunk)" };
}

/**
 * The same run before shrinking (a majorities-ring partition 9–18 s, consumer-GroupTest-1 down
 * 8–23 s). broker-a restarts at 11 s with shorter queues and gives offsets 0.. to new messages;
 * the group goes on from its old offset 40 (the skipped messages are allowance (b)). The
 * OFFSET_ILLEGAL fix of a pull from 13.7 s runs at 23.7 s, after broker-a:1 moved away and came
 * back to the same consumer: 4.9.x keys it by the queue, so it writes offset 0 over the new
 * holder's progress and removes its new process queue; the next round re-reads from 0 and the
 * skipped messages arrive after offset 75. 4.9.x does the same, so the order checker no longer
 * judges late first deliveries at reused offsets (chaos/checkers/order.ts).
 */
function offsetIllegalStaleRewind(): Regression {
  const scenario = run202("regression/1m/offset-illegal-stale-rewind",
    "battery seed 1 run 202 (unshrunk): a stale OFFSET_ILLEGAL fix rewinds a queue that moved away and back to offset 0, delivering messages at reused offsets late (power loss, partition ring, NameServer crash loop)",
    [
      { atMs: 8000, healAtMs: 23000, fault: { kind: "power-loss", target: "consumer-GroupTest-1" } },
      { atMs: 9000, healAtMs: 18000, fault: { kind: "partition", shape: "majorities-ring" } },
    ]);
  return { scenario, seed: 918837493, found: "mqlab battery --budget 300 --seed 1, swarm run 202 (the case before shrinking)" };
}

/** The configuration and workload battery run 202 drew; `faults` are the ones besides broker-a's and namesrv-1's. */
function run202(name: string, description: string, faults: ScheduledFault[]): Scenario {
  return {
    name,
    description,
    topology: "1m",
    brokerConfig: {
      flushDiskType: "ASYNC_FLUSH", mapedFileSizeCommitLog: "1048576", mapedFileSizeConsumeQueue: "6000000",
      maxMessageSize: "1047552", flushIntervalCommitLog: "100", flushCommitLogLeastPages: "16",
      flushCommitLogThoroughInterval: "30000", flushIntervalConsumeQueue: "1000", syncFlushTimeout: "1000",
      longPollingEnable: "false", haSendHeartbeatInterval: "1000",
    },
    intervals: {
      routePollMs: 3000, clientHeartbeatMs: 3000, brokerRegisterMs: 1000, namesrvScanMs: 2000, brokerExpiryMs: 10000,
      clientScanMs: 2000, clientExpiryMs: 10000, rebalanceMs: 3000, offsetPersistMs: 3000, sendTimeoutMs: 3000, pullSuspendMs: 1000,
    },
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{
        count: 2, topic: "TopicTest", tags: ["TagA", "TagB"], bodySizeBytes: 128, ratePerSecond: 10, sendMode: "async",
        latencyFaultAvoidance: false, retryTimesWhenSendFailed: 5, compressiblePercent: 10,
        bursts: [{ atMs: 10000, durationMs: 500, inFlight: 4 }],
      }],
      consumers: [{
        group: "GroupTest", topic: "TopicTest", count: 5, mode: "push", model: "CLUSTERING", subscription: "*",
        allocateStrategy: "AVG", pullBatchSize: 1, consumeBatchMaxSize: 4, maxReconsumeTimes: 2,
      }],
    },
    faults: [
      { atMs: 5000, healAtMs: 11000, fault: { kind: "slow-disk", target: "broker-a", factor: 200 } },
      ...faults,
      { atMs: 9000, healAtMs: 11000, fault: { kind: "power-loss", target: "broker-a" } },
      ...[9000, 12000, 15000, 18000].map((atMs) => ({ atMs, healAtMs: atMs + 1000, fault: { kind: "crash" as const, target: "namesrv-1" } })),
    ],
    durationMs: 30000,
    quiesceMs: 30000,
    drainUntilIdle: { idleStepMs: 20000, maxExtraMs: 600000 },
    expectations: { checkers: [...ALL_CHECKERS_WHEN_DRAWN] },
  };
}

/**
 * Seed 1 battery, swarm run 98 (1m, SYNC_FLUSH). broker-a loses power at 14 s; its consume-queue
 * files, never fsynced (each under flushConsumeQueueLeastPages), vanish with it. It restarts at
 * 16 s on a disk that is full from 15 s to 26 s, so recovery's re-dispatch fails with ENOSPC and
 * the queues stay empty. Queue offsets were then taken from the empty queues: the first messages
 * after the disk freed were stored at queue offset 0 again and 30 acked messages were never
 * delivered. Fixed in system/store/recovery.ts (offsets raised past the undispatched records).
 */
function restartOnFullDisk(): Regression {
  const scenario: Scenario = {
    "name": "regression/1m/restart-on-full-disk-keeps-queue-offsets",
    "description": "battery seed 1 run 98: broker-a loses power, restarts on a full disk, recovery's re-dispatch fails with ENOSPC; new messages must continue the queues' offsets, not restart them at 0",
    "topology": "1m",
    "brokerConfig": {
      "flushDiskType": "SYNC_FLUSH",
      "mapedFileSizeCommitLog": "1073741824",
      "mapedFileSizeConsumeQueue": "6000",
      "maxMessageSize": "4194304",
      "flushIntervalCommitLog": "500",
      "flushCommitLogLeastPages": "4",
      "flushCommitLogThoroughInterval": "30000",
      "flushIntervalConsumeQueue": "200",
      "syncFlushTimeout": "1000",
      "longPollingEnable": "false",
      "haSendHeartbeatInterval": "5000",
      "haHousekeepingInterval": "15000"
    },
    "brokerConfigByNode": {
      "broker-a": {
        "putMessageLockHoldMs": "20",
        "waitTimeMillsInSendQueue": "50"
      }
    },
    "intervals": {
      "routePollMs": 6000,
      "clientHeartbeatMs": 6000,
      "brokerRegisterMs": 3000,
      "namesrvScanMs": 2000,
      "brokerExpiryMs": 10000,
      "clientScanMs": 2000,
      "clientExpiryMs": 10000,
      "rebalanceMs": 6000,
      "offsetPersistMs": 3000,
      "sendTimeoutMs": 3000,
      "pullSuspendMs": 1000
    },
    "workload": {
      "topics": [
        {
          "name": "TopicTest",
          "queues": 4
        }
      ],
      "producers": [
        {
          "count": 2,
          "topic": "TopicTest",
          "tags": [
            "TagA",
            "TagB"
          ],
          "bodySizeBytes": 128,
          "ratePerSecond": 5,
          "sendMode": "async",
          "latencyFaultAvoidance": true,
          "retryTimesWhenSendFailed": 0,
          "compressiblePercent": 10,
          "largeBodyPercent": 5,
          "largeBodySizeBytes": 262144,
          "bursts": [
            {
              "atMs": 10000,
              "durationMs": 500,
              "inFlight": 4
            }
          ]
        }
      ],
      "consumers": [
        {
          "group": "GroupTest",
          "topic": "TopicTest",
          "count": 2,
          "mode": "push",
          "model": "CLUSTERING",
          "subscription": "*",
          "allocateStrategy": "AVG_BY_CIRCLE",
          "pullBatchSize": 1,
          "consumeBatchMaxSize": 4,
          "maxReconsumeTimes": 16,
          "failurePercent": 10
        }
      ]
    },
    "faults": [
      {
        "atMs": 8000,
        "healAtMs": 18000,
        "fault": {
          "kind": "power-loss",
          "target": "namesrv-1"
        }
      },
      {
        "atMs": 13000,
        "healAtMs": 16000,
        "fault": {
          "kind": "slow-disk",
          "target": "broker-a",
          "factor": 200
        }
      },
      {
        "atMs": 14000,
        "healAtMs": 16000,
        "fault": {
          "kind": "power-loss",
          "target": "broker-a"
        }
      },
      {
        "atMs": 15000,
        "healAtMs": 26000,
        "fault": {
          "kind": "disk-full",
          "target": "broker-a"
        }
      },
      {
        "atMs": 21000,
        "healAtMs": 26000,
        "fault": {
          "kind": "power-loss",
          "target": "consumer-GroupTest-1"
        }
      }
    ],
    "durationMs": 30000,
    "quiesceMs": 30000,
    "drainUntilIdle": {
      "idleStepMs": 20000,
      "maxExtraMs": 600000
    },
    "expectations": {
      "checkers": [
        "delivery"
      ]
    },
    "simNetwork": {
      "segmentation": {
        "maxSegmentBytes": 512,
        "splitPercent": 60,
        "coalescePercent": 50,
        "pieceGapMaxMs": 0.5
      }
    }
  };
  return { scenario, seed: 1978810121, found: "mqlab battery --budget 300 --seed 1, swarm run 98 (shrunk)" };
}

/**
 * Seed 1 battery, swarm run 444 (2m-2s-async, SYNC_FLUSH, 16 KiB segments), one of its three
 * faults dropped. From 11 s broker-b cannot create files (inode exhaustion). A put closes the
 * full segment with its BLANK filler, then fails to create the next one: CREATE_MAPEDFILE_FAILED.
 * The filler stayed in memory as a deferred tail no batch would ever write, but HA read it and
 * broker-b-s stored it; the crash at 13 s dropped it, so the restarted master wrote new messages
 * where its slave has the filler, and the slave, asking from the next segment, never got them
 * (its consume queues showed a gap: the only way the swarm reached store.consume-queue.gap).
 * The run judged delivery only; the replica checker fails it: the slave is not a prefix of a
 * master that never lost power. Fixed in system/store/message_store.ts (a refused put that left
 * a filler joins the turn's drain, so the filler reaches the page cache as 4.9.x's mmap write).
 */
function segmentCreateFailedKeepsFiller(): Regression {
  const scenario: Scenario = {
    name: "regression/2m-2s-async/segment-create-failed-keeps-filler",
    description: "battery seed 1 run 444: broker-b cannot create its next commit-log segment, then crashes; the BLANK filler its slave already replicated must survive, or the slave diverges from a master that never lost power",
    topology: "2m-2s-async",
    brokerConfig: {
      flushDiskType: "SYNC_FLUSH", mapedFileSizeCommitLog: "16384", mapedFileSizeConsumeQueue: "6000", maxMessageSize: "15360",
      flushIntervalCommitLog: "2000", flushCommitLogLeastPages: "16", flushCommitLogThoroughInterval: "1000",
      flushIntervalConsumeQueue: "200", syncFlushTimeout: "1000", longPollingEnable: "false",
      haSendHeartbeatInterval: "5000", haHousekeepingInterval: "15000",
    },
    intervals: {
      routePollMs: 3000, clientHeartbeatMs: 6000, brokerRegisterMs: 1000, namesrvScanMs: 2000, brokerExpiryMs: 10000,
      clientScanMs: 2000, clientExpiryMs: 10000, rebalanceMs: 1000, offsetPersistMs: 1000, sendTimeoutMs: 1000, pullSuspendMs: 1000,
    },
    workload: {
      topics: [{ name: "TopicTest", queues: 8 }],
      producers: [{
        count: 1, topic: "TopicTest", tags: ["TagA", "TagB"], bodySizeBytes: 128, ratePerSecond: 10, sendMode: "sync",
        latencyFaultAvoidance: true, retryTimesWhenSendFailed: 0, largeBodyPercent: 5, largeBodySizeBytes: 13312, ordered: true, orderKeys: 8,
      }],
      consumers: [{
        group: "GroupTest", topic: "TopicTest", count: 5, mode: "push", model: "CLUSTERING", subscription: "*",
        allocateStrategy: "CONSISTENT_HASH", pullBatchSize: 1, consumeBatchMaxSize: 16, maxReconsumeTimes: 2, pullMaxIdleTimeMs: 1500, orderly: true,
      }],
    },
    faults: [
      { atMs: 11000, healAtMs: 20000, fault: { kind: "disk-error", target: "broker-b", errors: "create" } },
      { atMs: 13000, healAtMs: 23000, fault: { kind: "crash", target: "broker-b" } },
    ],
    durationMs: 30000,
    quiesceMs: 30000,
    drainUntilIdle: { idleStepMs: 20000, maxExtraMs: 600000 },
    expectations: { checkers: [...ALL_CHECKERS_WHEN_DRAWN] },
    simNetwork: { segmentation: null },
  };
  return { scenario, seed: 116126889, found: "mqlab battery --budget 300 --seed 1, swarm run 444 (one fault of three dropped)" };
}

/**
 * Seed 1 battery, swarm run 1223 (2m-noslave, ordered sends, a burst of 4 sends in flight),
 * TopicTest's workload and 4 of its 10 faults kept. producer-1 restarts at 16 s and 22 s while
 * its packets to namesrv-1 take 2 s (11–24 s); each start fires the burst beside the steady loop,
 * and the first sends' concurrent route lookups go partly to namesrv-1. At 16 s seq 0 of three
 * keys waited out the whole 3 s timeout on the lookup, then got a fresh 3 s for the broker and
 * was acked at 19 s, behind seq 12 of its key (4.9.x's sendSelectImpl deducts the lookup from
 * the timeout: fixed in system/client/producer/send_engine.ts, sendSelect). At 22 s the lookup
 * ended after 2 s, within the timeout, and seq 0 was stored after later seqs of its key that
 * other lanes sent meanwhile: sends of one key in flight together are not ordered, so the order
 * checker judges a key's seqs only between sends made one after another (chaos/checkers/order.ts).
 */
function orderedSendOverlapsRouteLookup(): Regression {
  const scenario: Scenario = {
    name: "regression/2m-noslave/ordered-send-overlaps-route-lookup",
    description: "battery seed 1 run 1223: a restarted ordered producer's first sends wait on a delayed NameServer while other lanes send the same keys; a lookup that spent the timeout fails the send, and a key's sends in flight together are not judged for order",
    topology: "2m-noslave",
    brokerConfig: {
      flushDiskType: "SYNC_FLUSH", mapedFileSizeCommitLog: "65536", mapedFileSizeConsumeQueue: "400", maxMessageSize: "64512",
      flushIntervalCommitLog: "500", flushCommitLogLeastPages: "0", flushCommitLogThoroughInterval: "1000", flushIntervalConsumeQueue: "1000",
      syncFlushTimeout: "5000", longPollingEnable: "false", haSendHeartbeatInterval: "1000", haHousekeepingInterval: "20000",
      transactionTimeOut: "3000", transactionCheckInterval: "5000",
    },
    brokerConfigByNode: { "broker-a": { putMessageLockHoldMs: "20", osPageCacheBusyTimeOutMills: "10" } },
    intervals: {
      routePollMs: 3000, clientHeartbeatMs: 3000, brokerRegisterMs: 1000, namesrvScanMs: 2000, brokerExpiryMs: 10000,
      clientScanMs: 2000, clientExpiryMs: 10000, rebalanceMs: 3000, offsetPersistMs: 1000, sendTimeoutMs: 3000, pullSuspendMs: 10000,
    },
    workload: {
      topics: [{ name: "TopicTest", queues: 1 }],
      producers: [{
        count: 2, topic: "TopicTest", tags: ["TagA", "TagB"], bodySizeBytes: 128, ratePerSecond: 5, sendMode: "sync",
        latencyFaultAvoidance: false, retryTimesWhenSendFailed: 2, retryAnotherBrokerWhenNotStoreOK: true, largeBodyPercent: 5,
        largeBodySizeBytes: 62464, bursts: [{ atMs: 10000, durationMs: 500, inFlight: 4 }], ordered: true, orderKeys: 8,
      }],
      consumers: [{
        group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING", subscription: "*",
        allocateStrategy: "AVG", pullBatchSize: 1, consumeBatchMaxSize: 4, maxReconsumeTimes: 2, orderly: true,
      }],
    },
    faults: [
      { atMs: 8000, healAtMs: 10000, fault: { kind: "power-loss", target: "producer-1" } },
      {
        atMs: 11000, healAtMs: 24000,
        fault: { kind: "flow", source: "producer-1", target: "namesrv-1", delayMs: 2000, jitterMs: 20, lossPercent: 0, direction: "one-way" },
      },
      { atMs: 14000, healAtMs: 16000, fault: { kind: "power-loss", target: "producer-1" } },
      { atMs: 20000, healAtMs: 22000, fault: { kind: "power-loss", target: "producer-1" } },
    ],
    durationMs: 30000,
    quiesceMs: 60000,
    drainUntilIdle: { idleStepMs: 20000, maxExtraMs: 600000 },
    expectations: { checkers: ["delivery", "order", "rebalance", "transactions"] },
    simNetwork: { segmentation: { maxSegmentBytes: 512, splitPercent: 60, coalescePercent: 50, pieceGapMaxMs: 0.5 } },
  };
  return { scenario, seed: 310160854, found: "mqlab battery --budget 300 --seed 1, swarm run 1223 (TopicTest and 4 of 10 faults kept)" };
}

/**
 * Seed 1 battery, swarm run 3024 (2m-noslave, ASYNC_FLUSH), as drawn. broker-a is busy under the
 * 10 s burst (its page-cache lock stalls answer SYSTEM_BUSY); GroupTest's listener answers retry
 * for producer-1.wp4601.411 (broker-a:7 offset 10) at 10.5 s, its CONSUMER_SEND_MSG_BACK is
 * refused, and the client's inner producer re-sends it to %RETRY%GroupTest, stored on broker-b
 * (10.8 s), as 4.9.x's sendMessageBack does; the group's offset moves past the original. broker-b
 * (no slave, disk slowed from 12 s) loses power at 15 s with that copy unflushed: loss the
 * guarantee table permits, which the checkers could not see until the workload recorded the
 * re-send (chaos/workload/consumer_node.ts, a retry-resend event) and guarantee.ts judged the copy
 * where it was stored. Not a system bug: the regression keeps the recording and that judgement.
 */
function retryResendLostInPowerLoss(): Regression {
  const scenario: Scenario = {
    name: "regression/2m-noslave/retry-resend-lost-in-power-loss",
    description: "battery seed 1 run 3024: a refused send-back's copy, re-sent by the client to %RETRY%GroupTest on the other master, is lost there to a power loss inside its flush window: the history records the re-send and the loss is the guarantee table's",
    topology: "2m-noslave",
    brokerConfig: {
      flushDiskType: "ASYNC_FLUSH", mapedFileSizeCommitLog: "1048576", mapedFileSizeConsumeQueue: "6000", maxMessageSize: "1047552",
      flushIntervalCommitLog: "100", flushCommitLogLeastPages: "16", flushCommitLogThoroughInterval: "10000", flushIntervalConsumeQueue: "1000",
      syncFlushTimeout: "5000", longPollingEnable: "false", haSendHeartbeatInterval: "5000", haHousekeepingInterval: "15000",
    },
    brokerConfigByNode: { "broker-a": { putMessageLockHoldMs: "20", osPageCacheBusyTimeOutMills: "10" } },
    intervals: {
      routePollMs: 3000, clientHeartbeatMs: 3000, brokerRegisterMs: 3000, namesrvScanMs: 2000, brokerExpiryMs: 10000,
      clientScanMs: 2000, clientExpiryMs: 10000, rebalanceMs: 6000, offsetPersistMs: 1000, sendTimeoutMs: 1000, pullSuspendMs: 10000,
    },
    workload: {
      topics: [{ name: "TopicTest", queues: 8 }],
      producers: [{
        count: 1, topic: "TopicTest", tags: ["TagA", "TagB"], bodySizeBytes: 128, ratePerSecond: 5, sendMode: "async",
        latencyFaultAvoidance: false, retryTimesWhenSendFailed: 0, retryAnotherBrokerWhenNotStoreOK: true, delayPercent: 10,
        batchSize: 4, compressiblePercent: 10, bursts: [{ atMs: 10000, durationMs: 500, inFlight: 4 }],
      }],
      consumers: [{
        group: "GroupTest", topic: "TopicTest", count: 1, mode: "push", model: "CLUSTERING", subscription: "*",
        allocateStrategy: "CONSISTENT_HASH", pullBatchSize: 4, consumeBatchMaxSize: 4, maxReconsumeTimes: 16, failurePercent: 10,
        slowPercent: 2, slowMs: 4000, consumeTimeoutMs: 2000,
      }],
    },
    faults: [
      { atMs: 3000, healAtMs: 7000, fault: { kind: "slow-disk", target: "broker-b", factor: 50 } },
      { atMs: 4000, healAtMs: 7000, fault: { kind: "power-loss", target: "broker-b" } },
      { atMs: 4000, healAtMs: 6000, fault: { kind: "crash", target: "namesrv-1" } },
      { atMs: 12000, healAtMs: 19000, fault: { kind: "slow-disk", target: "broker-b", factor: 50 } },
      { atMs: 14000, healAtMs: 16000, fault: { kind: "crash", target: "namesrv-1" } },
      { atMs: 15000, healAtMs: 19000, fault: { kind: "power-loss", target: "broker-b" } },
      {
        atMs: 19000, healAtMs: 29000,
        fault: { kind: "firewall", source: "producer-1", target: "namesrv-1", port: "namesrv", mode: "drop", direction: "one-way" },
      },
    ],
    durationMs: 30000,
    quiesceMs: 30000,
    drainUntilIdle: { idleStepMs: 20000, maxExtraMs: 600000 },
    expectations: { checkers: [...ALL_CHECKERS_WHEN_DRAWN] },
    simNetwork: { segmentation: null },
  };
  return { scenario, seed: 1173166144, found: "mqlab battery --seed 1, swarm run 3024 (as drawn)" };
}

export function regressions(): Regression[] {
  return [
    offsetIllegalQueueMoves(), offsetIllegalStaleRewind(), restartOnFullDisk(), segmentCreateFailedKeepsFiller(), orderedSendOverlapsRouteLookup(),
    retryResendLostInPowerLoss(),
  ];
}

export function regressionScenarios(): Scenario[] {
  return regressions().map((regression) => regression.scenario);
}
