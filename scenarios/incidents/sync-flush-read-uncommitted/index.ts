// Incident 12: SYNC_FLUSH loses an acked message after a power loss because a consumer read past
// what was on disk (apache/rocketmq#8239, fixed upstream by PR #8240). RocketMQ 4.9.7 puts a
// message in its consume queue (and wakes long polls) as soon as it is appended, before the
// group commit's fsync. A consumer at the tail reads message M at queue offset N and moves its
// pull offset to N+1; the machine loses power before the fsync, M (never acked) is gone, the
// restarted broker hands offset N to the next message M', acks it after fsync, and the consumer
// pulls from N+1: M' is never read. Broken: 1m, SYNC_FLUSH with readUnCommitted=true (the
// 4.9.7 behaviour), a degraded disk (slow fsync: a wider read-but-unflushed window) and three
// power losses during steady traffic with one consumer at the tail. Fixed: readUnCommitted
// unset (mqlab's default): nothing is visible before its fsync, the same faults lose nothing.
import type { DeliverEvent, HistoryEvent, SendOutcome } from "../../../chaos/history/types.ts";
import type { Scenario } from "../../../chaos/scenario.ts";
import { faultTimes } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const powerLossesAtMs = [40_000, 80_000, 120_000];
const bootAfterMs = 5_000;
const slowDiskFactor = 40;

function scenario(phase: PhaseName, _deployer: IncidentDeployer): Scenario {
  const brokerConfig: Record<string, string> = { flushDiskType: "SYNC_FLUSH" };
  if (phase === "broken") brokerConfig["readUnCommitted"] = "true";
  return {
    name: phaseScenarioName(incident, phase),
    description: `1m, SYNC_FLUSH${phase === "broken" ? " with readUnCommitted=true (RocketMQ 4.9.7)" : " (readUnCommitted=false, the default)"}: ` +
      `broker-a's disk fsyncs ${slowDiskFactor}× slower and it loses power at ${powerLossesAtMs.map((ms) => `${ms / 1000} s`).join(", ")} ` +
      `(boots ${bootAfterMs / 1000} s later each time) while one consumer reads at the tail`,
    topology: "1m",
    brokerConfig,
    workload: {
      topics: [{ name: "TopicTest", queues: 2 }],
      producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 40, sendMode: "sync", bodySizeBytes: 256 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 1, mode: "push", model: "CLUSTERING" }],
    },
    faults: [
      { atMs: 10_000, healAtMs: 150_000, fault: { kind: "slow-disk", target: "broker-a", factor: slowDiskFactor } },
      ...powerLossesAtMs.map((atMs) => ({ atMs, healAtMs: atMs + bootAfterMs, fault: { kind: "power-loss" as const, target: "broker-a" } })),
    ],
    durationMs: 150_000,
    quiesceMs: 60_000,
    expectations: { checkers: ["delivery"] },
  };
}

/** An acked message whose queue offset a consumer had already been given with another message. */
interface Shadowed {
  messageId: string;
  queue: string;
  queueOffset: number;
  ackMs: number;
  /** The message the consumer read at that offset before the power loss (then lost). */
  shadowedBy: string;
  shadowDeliveredMs: number;
}

function shadowedAcks(history: readonly HistoryEvent[]): { lostAcked: number; shadowed: Shadowed[] } {
  const acked: SendOutcome[] = [];
  const delivered = new Set<string>();
  const firstAtOffset = new Map<string, DeliverEvent>();
  for (const event of history) {
    if (event.type === "ok" && event.op === "send") acked.push(event);
    if (event.type !== "deliver") continue;
    delivered.add(event.messageId);
    const key = `${event.queue}#${event.queueOffset}`;
    if (!firstAtOffset.has(key)) firstAtOffset.set(key, event);
  }
  const lost = acked.filter((send) => !delivered.has(send.messageId));
  const shadowed: Shadowed[] = [];
  for (const send of lost) {
    if (send.queue === undefined || send.queueOffset === undefined) continue;
    const earlier = firstAtOffset.get(`${send.queue}#${send.queueOffset}`);
    if (earlier === undefined || earlier.messageId === send.messageId) continue;
    shadowed.push({ messageId: send.messageId, queue: send.queue, queueOffset: send.queueOffset, ackMs: send.timeMs, shadowedBy: earlier.messageId, shadowDeliveredMs: earlier.timeMs });
  }
  return { lostAcked: lost.length, shadowed };
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = powerLossesAtMs[0]! } = faultTimes(run.history, 0);
  const { lostAcked, shadowed } = shadowedAcks(run.history);
  const present = lostAcked > 0;
  const first = shadowed[0];
  return {
    present,
    summary: present
      ? `${lostAcked} acked messages never reached the consumer although SYNC_FLUSH promises no loss; ${shadowed.length} of them took a queue offset the consumer had already read with a message the power loss then dropped` +
        (first === undefined ? "." : ` (e.g. ${first.messageId} at ${first.queue} offset ${first.queueOffset}, which the consumer had read as ${first.shadowedBy}).`)
      : `No acked message was lost (${run.result.counts.acked} acked, ${run.result.counts.consumed} consumed): the consumer only ever read flushed messages.`,
    measured: { acked: run.result.counts.acked, lostAcked, offsetReused: shadowed.length, firstPowerLossMs: injectMs },
    spans: shadowed.map((item) => ({ startMs: item.shadowDeliveredMs, endMs: item.ackMs, label: `offset ${item.queueOffset} of ${item.queue} read, then reused` })).slice(0, 20),
  };
}

export const incident: Incident = {
  name: "sync-flush-read-uncommitted",
  number: 12,
  narrative: {
    title: "SYNC_FLUSH loses acked messages after a power loss: consumers read unflushed messages",
    symptom: "A SYNC_FLUSH broker (no loss promised, even on power loss) lost power and rebooted; producers hold SEND_OK for messages sent after the reboot that no consumer ever received, while the consumer group shows no lag.",
    cause: "RocketMQ 4.x dispatches a message to its consume queue, and wakes long-polling consumers, as soon as it is appended to the commit log, before the group commit's fsync. A consumer reading at the tail takes message M at queue offset N and moves its pull offset to N+1. The power loss drops M (never acked, so that alone is allowed); the rebooted broker recovers to offset N and gives N to the next message M', which it flushes and acks. The consumer pulls from N+1 and never reads M'. Reported upstream as apache/rocketmq#8239 and fixed by PR #8240: dispatch only up to the confirm offset (the flushed offset under SYNC_FLUSH); RocketMQ 5's readUnCommitted=true keeps the old behaviour.",
    reportShows: "Both phases run one SYNC_FLUSH broker with a degraded disk (fsync 40× slower, so each message spends tens of milliseconds appended but unflushed) and three power losses during steady traffic, one consumer at the tail. Broken phase (readUnCommitted=true, the 4.9.7 behaviour): the delivery check fails with lost acked messages, and the symptom bands join each lost message's queue offset to the earlier delivery of a different (dropped) message at the same offset. Fixed phase (readUnCommitted=false, mqlab's default): nothing is visible before its fsync; the same power losses lose nothing acked.",
    fix: "Upgrade to a RocketMQ with PR #8240 (5.3.1+), where the consume queue is built only up to the flushed offset under SYNC_FLUSH; keep readUnCommitted=false (the default). mqlab's broker does the same and also bounds visibility by the slave's acknowledgement under SYNC_MASTER. Cost: a message becomes visible one fsync later (the producer's ack waits for that fsync anyway).",
  },
  phaseTitles: { broken: "SYNC_FLUSH, readUnCommitted=true (4.9.7)", fixed: "SYNC_FLUSH, readUnCommitted=false (default)" },
  // Power loss needs the simulator: an OS process cannot lose its page cache alone.
  deployers: ["sim"],
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
