// Issue 16 scenarios. transactions: two transactional producers of one group on 1m; 20 % of the
// local transactions roll back, 30 % answer UNKNOW and are decided by the broker's check; at
// 20 s producer-1 crashes with transactions open (its local transaction takes 200 ms), and the
// broker's checks go to producer-2. The transactions checker holds commits delivered (never
// before the decision), rollbacks never delivered, UNKNOWs resolved by a check; the duplicates
// checker holds each transaction resolved once: a half message the broker's op queue marks
// done is never checked again, so no commit is applied twice (a redelivery needs the same
// explanation as any other duplicate).
// system-busy: on 2m-noslave, broker-a's sends hold the commit-log lock 20 ms
// (putMessageLockHoldMs, a slow page cache) while bursts keep 16 sends in flight; sends that wait
// in broker-a's queue past waitTimeMillsInSendQueue (50 ms here) get SYSTEM_BUSY
// [TIMEOUT_CLEAN_QUEUE]. The 4.9.x producer does not retry code 2: the sends fail, are recorded
// as failed, and nothing acked may be lost (delivery).
import type { Scenario } from "../../chaos/scenario.ts";

export function transactionScenario(): Scenario {
  return {
    name: "1m/transactions",
    description: "1m: two transactional producers of one group (20 % rollback, 30 % UNKNOW decided by check); producer-1 crashes with open transactions at 20 s",
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH", transactionTimeOut: "3000", transactionCheckInterval: "5000" },
    workload: {
      topics: [{ name: "TxTopic", queues: 4 }],
      producers: [{
        count: 2, topic: "TxTopic", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 128,
        transactional: { rollbackPercent: 20, unknownPercent: 30, localTransactionMs: 200 },
      }],
      consumers: [{ group: "TxGroup", topic: "TxTopic", count: 1, mode: "push", model: "CLUSTERING" }],
    },
    faults: [{ atMs: 20_000, fault: { kind: "crash", target: "producer-1" } }],
    durationMs: 40_000,
    quiesceMs: 30_000,
    expectations: { checkers: ["delivery", "duplicates", "transactions"] },
  };
}

export function systemBusyScenario(): Scenario {
  return {
    name: "2m-noslave/system-busy",
    description: "2m-noslave: broker-a holds the commit-log lock 20 ms per send and lets a send wait 50 ms; bursts of 16 in flight get SYSTEM_BUSY from it",
    topology: "2m-noslave",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    brokerConfigByNode: { "broker-a": { putMessageLockHoldMs: "20", waitTimeMillsInSendQueue: "50" } },
    workload: {
      topics: [{ name: "BusyTopic", queues: 4 }],
      producers: [{
        count: 1, topic: "BusyTopic", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256,
        bursts: [{ atMs: 10_000, durationMs: 5_000, inFlight: 16 }],
      }],
      consumers: [{ group: "BusyGroup", topic: "BusyTopic", count: 1, mode: "push", model: "CLUSTERING" }],
    },
    faults: [],
    durationMs: 25_000,
    quiesceMs: 20_000,
    expectations: { checkers: ["delivery", "duplicates", "send-status"] },
  };
}

export function issue16Scenarios(): Scenario[] {
  return [transactionScenario(), systemBusyScenario()];
}
