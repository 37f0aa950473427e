// Replication scenarios (system/ha): what a master/slave pair does when the master's machine
// loses power, and what a cluster without a slave (or a single broker) does when its only
// copy is away. RocketMQ's own intervals throughout; the simulator makes the waits free.
//
// Power loss is not a crash: the master's connections are not reset, so the NameServers keep
// listing it until they expire it (brokerExpiryMs 120 s + a scan). Only then do clients see a
// route with the slave alone and read from it. The outages below are therefore longer than
// that expiry. To have something to read from the slave, a firewall keeps the group's only
// consumer from broker-a for 20 s before the power loss, so broker-a holds a replicated backlog.
// A powered-off broker does not refuse connections, it never answers: a send that picks it
// waits for the 3 s connect timeout. Producers get a 5 s sendMsgTimeout so that such a send
// still has time for its retry on broker-b (with the default 3 s the connect timeout spends the
// whole budget and the send fails).
import type { ScheduledFault } from "../../chaos/faults/types.ts";
import type { Scenario, TopologyName } from "../../chaos/scenario.ts";
import { steadyWorkload } from "./standard.ts";
import { allCheckerNames } from "../../chaos/checkers/index.ts";

const checkers: Scenario["expectations"]["checkers"] = [...allCheckerNames];

/** One consumer, so a consumer cut off from a broker leaves a backlog on it. */
function haWorkload(): Scenario["workload"] {
  const workload = steadyWorkload();
  return { ...workload, consumers: workload.consumers.map((group) => ({ ...group, count: 1 })) };
}

/** The consumer cannot reach broker-a from 40 s to 70 s: broker-a keeps (and replicates) a backlog. */
const consumerCutOff: ScheduledFault = {
  atMs: 40_000, healAtMs: 70_000,
  fault: { kind: "firewall", source: "consumer-GroupTest-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" },
};

function masterPowerLoss(topology: Extract<TopologyName, "2m-2s-sync" | "2m-2s-async">): Scenario {
  const sync = topology === "2m-2s-sync";
  return {
    name: `${topology}/master-power-loss`,
    description: sync
      ? "2m-2s-sync: broker-a's machine loses power for 180 s (> the NameServer expiry). No acked message may be lost: SYNC_MASTER " +
        "acked only what its slave had. While it is down the consumer reads broker-a's replicated backlog from broker-a-s and " +
        "producers send to broker-b; after it returns everything converges and every acked message is consumed."
      : "2m-2s-async: broker-a's machine loses power for 180 s. Its unflushed tail is gone from the master but was replicated to " +
        "broker-a-s (ASYNC_MASTER: how much depends on the replication lag), and the consumer reads it from the slave meanwhile. " +
        "Known RocketMQ 4.9.7 cost, counted here: the restarted master hands the lost tail's queue offsets to new messages, " +
        "which a consumer already past them skips — acked messages sent after the restart are lost (delivery fails).",
    topology,
    // SYNC_FLUSH on the masters keeps what they acknowledged across the power loss, so the
    // slave is never ahead with acknowledged bytes (RocketMQ 4.9.7 cannot reconcile a slave
    // ahead of its master: ha_connection.ts). The ASYNC pair keeps ASYNC_FLUSH: that is where
    // the loss the guarantee table allows comes from.
    brokerConfig: sync ? { flushDiskType: "SYNC_FLUSH" } : {},
    intervals: { sendTimeoutMs: 5_000 },
    workload: haWorkload(),
    faults: [
      consumerCutOff,
      { atMs: 60_000, healAtMs: 240_000, fault: { kind: "power-loss", target: "broker-a" } },
    ],
    durationMs: 420_000,
    quiesceMs: 180_000,
    expectations: { checkers, guarantee: "auto" },
  };
}

/** 2m-noslave, SYNC_FLUSH: the crashed master's backlog waits for it, then is consumed; nothing is lost. */
function noSlaveMasterCrash(): Scenario {
  return {
    name: "2m-noslave/master-crash-sync-flush",
    description: "2m-noslave with SYNC_FLUSH: broker-a crashes with unconsumed messages and is away for 90 s. They are " +
      "unavailable (no slave) until it returns, then consumed; producers use broker-b meanwhile; nothing acked is lost.",
    topology: "2m-noslave",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    workload: haWorkload(),
    faults: [consumerCutOff, { atMs: 60_000, healAtMs: 150_000, fault: { kind: "crash", target: "broker-a" } }],
    durationMs: 240_000,
    quiesceMs: 180_000,
    expectations: { checkers, guarantee: "auto" },
  };
}

/** 1m: the only broker is down; no write can succeed meanwhile, and every acked one survives. */
function singleBrokerDown(): Scenario {
  return {
    name: "1m/broker-down",
    description: "1m: the only broker crashes and is away for 60 s. No send can succeed meanwhile (there is nowhere to " +
      "write); sends resume after it returns and nothing acked is lost (SYNC_FLUSH).",
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    workload: steadyWorkload(),
    faults: [{ atMs: 60_000, healAtMs: 120_000, fault: { kind: "crash", target: "broker-a" } }],
    durationMs: 200_000,
    quiesceMs: 120_000,
    expectations: { checkers, guarantee: "auto" },
  };
}

export function haScenarios(): Scenario[] {
  return [masterPowerLoss("2m-2s-sync"), masterPowerLoss("2m-2s-async"), noSlaveMasterCrash(), singleBrokerDown()];
}
