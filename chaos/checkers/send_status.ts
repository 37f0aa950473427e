// Send statuses: every acked send's status is judged against the broker that stored it.
// - FLUSH_SLAVE_TIMEOUT and SLAVE_NOT_AVAILABLE come only from a SYNC_MASTER with a slave,
//   and only while something touched the pair: a fault window on the master or its slave
//   (crash, power loss, pause, partition, firewall, flow, slow disk), widened by haRecoveryMs
//   (the slave restarts, reconnects and catches up: startupSlackMs + haHousekeepingMs 20 s,
//   RocketMQ's haHousekeepingInterval, after which the master drops a silent slave
//   connection). SLAVE_NOT_AVAILABLE claims the slave's connection was gone, so its window
//   must touch the slave, or break the master's side of the connection (crash, power loss,
//   pause, partition, firewall: the slave reconnects after the master is back) — a slow or
//   full disk on the master does not explain it.
// - FLUSH_DISK_TIMEOUT comes only from a SYNC_FLUSH master, and only inside a fault window
//   on that master (slow or full disk, pause, ...): a healthy disk flushes within
//   syncFlushTimeout (5 s).
// - SEND_OK claims durability: from a SYNC_FLUSH master it is on disk, from a SYNC_MASTER it
//   is on the slave. Such a message may not be lost even to a master power loss: if a
//   receiver that must see it never did, the status lied. (Skipped when the scenario's
//   guarantee is "loss-allowed": an incident's broken phase.) The guarantee table's other
//   ways to miss a durably acked message are excused here as in the delivery check, because
//   none makes the status a lie: offset reuse (an ASYNC_FLUSH master restarted from a power
//   loss gives queue offsets the group already read past to new messages; a SYNC_MASTER then
//   answers SEND_OK at once, as 4.9.x does, because its reconnected slave reports the offset of
//   its longer pre-loss log, past the new message's end — HA divergence; battery seed 1 run
//   3744), and a forced clean on a full disk (4.9.x CleanCommitLogService deletes the oldest
//   commit-log files, consumed or not, along with retry and delayed copies parked in
//   SCHEDULE_TOPIC_XXXX; only when the final store digest shows deleted files; runs 3450, 3380).
//   Likewise a message whose group moved past it after the client re-sent it to %RETRY%<group>
//   (a failed send-back): the group's only copy is then that one, judged where it was stored
//   (guarantee.ts; run 3024).
// - SEND_OK from a SYNC_MASTER while no slave of it could have the message is a false
//   durability claim even if nothing is lost. mqlab's rule (system/ha/ha_service.ts, RocketMQ's
//   CommitLog.submitReplicaRequest + GroupTransferService): after the local write the put
//   waits until a slave has REPORTED an offset ≥ the message's end (PUT_OK → SEND_OK); with no
//   connection (or one haSlaveFallbehindMax behind) it answers SLAVE_NOT_AVAILABLE at once,
//   otherwise FLUSH_SLAVE_TIMEOUT after slaveTimeout. The HA detection window
//   (haHousekeepingInterval 20 s before the master drops a silent connection) only decides
//   which of those two non-OK statuses a healthy master gives; SEND_OK needs a real ack, so
//   there is no detection grace for it. Judged per send: every slave of its master was cut
//   off for the whole of [invoke − slaveCutEdgeMs, outcome] — down (crash, power loss, pause:
//   node events or faults, until its restart/resume; a slave just back must reconnect and
//   catch up before it can ack, so an outcome after the restart is not judged), or isolated by
//   a partition naming it or its master, or a firewall between the two on the ha port (any
//   direction: data one way, acks the other). The edge covers a message the slave may have
//   received and acked just before it went down (invoke precedes the write).
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { BrokerFacts, CheckContext } from "./context.ts";
import { brokerOfQueue, slavesOf } from "./context.ts";
import { startupSlackMs } from "./bounds.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import type { Window } from "./fault_windows.ts";
import { faultNodes, faultWindows, windowAt } from "./fault_windows.ts";
import { resentIntoUnreadDlq } from "./dead_letters.ts";
import { consumedPreLossTailOf, delayedReputEvidenceOf, forcedCleansOf, handedOffsetsOf, judgeLoss, powerLossesOf, resentCopiesOf, sentBackCopiesOf } from "./guarantee.ts";
import { delayLevelsMs } from "./delay.ts";
import { gotBy, indexHistory } from "./history_index.ts";
import { expects, receiversOf } from "./receivers.ts";

export const haHousekeepingMs = 20_000;
/** A SEND_OK invoked this close after its slave went down is not judged (fault-time jitter; the write follows the invoke). */
export const slaveCutEdgeMs = 500;
export const haRecoveryMs = startupSlackMs + haHousekeepingMs;
/** Faults on a master that break its slave's HA connection (the slave must reconnect after). */
const connectionBreaking = new Set(["crash", "clean-restart", "power-loss", "pause", "partition", "firewall", "node"]);
const knownStatuses = new Set(["SEND_OK", "FLUSH_DISK_TIMEOUT", "FLUSH_SLAVE_TIMEOUT", "SLAVE_NOT_AVAILABLE"]);

export type StatusViolation = { id: string; queue: string; status: string; timeMs: number; broker: string; why: string };

export type SendStatusEvidence = {
  statuses: Record<string, number>;
  explained: CappedList<StatusViolation>;
  violations: CappedList<StatusViolation>;
  haRecoveryMs: number;
};

export function checkSendStatus(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const windows = faultWindows(index, context);
  const statuses: Record<string, number> = {};
  const violations: StatusViolation[] = [];
  const explained: StatusViolation[] = [];
  const masterOf = (brokerName: string): BrokerFacts | undefined =>
    context.topology.brokers.find((broker) => broker.brokerName === brokerName && broker.role !== "SLAVE");
  for (const send of index.sends) {
    if (send.outcome !== "ok" || send.queue === undefined) continue;
    const status = send.sendStatus ?? "SEND_OK";
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === "SEND_OK") continue;
    const brokerName = brokerOfQueue(send.queue);
    const master = masterOf(brokerName);
    const slaves = slavesOf(context.topology, brokerName).map((slave) => slave.node);
    const entry = { id: send.messageId, queue: send.queue, status, timeMs: send.outcomeMs ?? send.invokeMs, broker: master?.node ?? brokerName };
    // A fault that began while the send was in flight explains its status too: the broker
    // stores the message later than the invoke (seed 2 swarm run 986: invoked at 21.986 s,
    // stored at 22.023 s, 23 ms after the slave's disk filled).
    const windowDuring = (candidates: readonly Window[], afterMs: number, nodes: readonly string[]): Window | undefined =>
      windowAt(candidates, send.invokeMs, afterMs, nodes) ?? windowAt(candidates, send.outcomeMs ?? send.invokeMs, afterMs, nodes);
    let why: string | undefined;
    let excuse: string | undefined;
    if (!knownStatuses.has(status)) why = "not a RocketMQ 4.x send status";
    else if (master === undefined) why = `no master named ${brokerName} in the topology`;
    else if (status === "FLUSH_DISK_TIMEOUT") {
      if (master.flushDiskType !== "SYNC_FLUSH") why = `${master.node} is ${master.flushDiskType}: it never waits for a flush`;
      else excuse = windowDuring(windows, haRecoveryMs, [master.node])?.cause;
      why ??= excuse === undefined ? `healthy SYNC_FLUSH ${master.node} (no fault on it) did not flush within syncFlushTimeout` : undefined;
    } else {
      if (master.role !== "SYNC_MASTER" || slaves.length === 0) why = `${master.node} is ${master.role}${slaves.length === 0 ? " without a slave" : ""}: it never waits for a slave`;
      else {
        // SLAVE_NOT_AVAILABLE: the slave's HA connection is gone — a fault on the slave, or one
        // on the master that breaks the connection (the slave reconnects after it).
        const explains = (window: Window): boolean => status !== "SLAVE_NOT_AVAILABLE" || window.nodes.length === 0
          || window.nodes.some((node) => slaves.includes(node)) || connectionBreaking.has(window.kind);
        const touched = [master.node, ...slaves];
        excuse = windowDuring(windows.filter(explains), haRecoveryMs, touched)?.cause;
        if (excuse === undefined) why = `healthy SYNC_MASTER pair ${master.node}/${slaves.join(",")} (no fault on ${touched.join(" or ")}) must answer SEND_OK`;
      }
    }
    if (why !== undefined) violations.push({ ...entry, why });
    else explained.push({ ...entry, why: excuse ?? "" });
  }
  violations.push(...claimsWithoutSlave(index, context, masterOf));
  const claimed = new Set(violations.map((entry) => entry.id));
  if ((context.expectations.guarantee ?? "auto") !== "loss-allowed") violations.push(...unbackedClaims(index, context, masterOf).filter((entry) => !claimed.has(entry.id)));
  const max = idsMax(context);
  const evidence: SendStatusEvidence = { statuses, explained: capped(explained, max), violations: capped(violations, max), haRecoveryMs };
  const first = violations[0];
  const counts = Object.entries(statuses).map(([status, count]) => `${status} ${count}`).join(", ") || "no acked sends";
  const summary = first !== undefined
    ? `${plural(violations.length, "send status", "send statuses")} not backed; first ${first.id} ${first.status} from ${first.broker} at ${formatMs(first.timeMs)}: ${first.why}.`
    : `Statuses ${counts}; every non-OK status inside a fault window on its pair, every durable claim backed.`;
  return { name: "send-status", verdict: violations.length > 0 ? "fail" : "pass", summary, evidence };
}

/** SEND_OK messages whose broker promised durability (SYNC_FLUSH, or SYNC_MASTER with a slave) that a receiver never got. */
function unbackedClaims(index: ReturnType<typeof indexHistory>, context: CheckContext, masterOf: (name: string) => BrokerFacts | undefined): StatusViolation[] {
  const found = new Map<string, StatusViolation>();
  const losses = powerLossesOf(index, context);
  const handed = handedOffsetsOf(index);
  const preLossTail = consumedPreLossTailOf(index.deliveries, index.sendById);
  const delayed = delayedReputEvidenceOf(index, context, delayLevelsMs(context));
  const cleans = forcedCleansOf(index);
  const resent = resentCopiesOf(index);
  const sentBack = sentBackCopiesOf(index, context);
  for (const receiver of receiversOf(index, context)) {
    const received = gotBy(index, receiver.group, receiver.process);
    for (const send of index.messages) {
      if (found.has(send.messageId) || !expects(receiver, send) || received.has(send.messageId)) continue;
      if ((send.sendStatus ?? "SEND_OK") !== "SEND_OK" || send.queue === undefined) continue;
      const brokerName = brokerOfQueue(send.queue);
      const master = masterOf(brokerName);
      if (master === undefined) continue;
      const replicated = master.role === "SYNC_MASTER" && slavesOf(context.topology, brokerName).length > 0;
      if (master.flushDiskType !== "SYNC_FLUSH" && !replicated) continue;
      // Its only copy dead-lettered where the run did not look (the delivery checker lists it).
      const copy = resent(receiver.group, send.messageId);
      if (resentIntoUnreadDlq(index, context, receiver.group, copy)) continue;
      // The table's own exceptions (e.g. the slave lost power too with the bytes unflushed,
      // offset reuse, a forced clean: header).
      if (judgeLoss(send, losses, context, { group: receiver.group, handed, preLossTail, delayed }, cleans, copy,
        sentBack(receiver.group, send.messageId)).allowed) continue;
      const claim = replicated ? "on the slave (SYNC_MASTER)" : "on disk (SYNC_FLUSH)";
      found.set(send.messageId, {
        id: send.messageId, queue: send.queue, status: "SEND_OK", timeMs: send.outcomeMs ?? send.invokeMs, broker: master.node,
        why: `SEND_OK claimed it was ${claim}, yet ${receiver.key} never received it`,
      });
    }
  }
  return [...found.values()];
}

type Cut = { startMs: number; endMs: number | null; cause: string };

/** Spans in which `slave` could not receive from or ack to `master` (header). */
export function slaveCuts(index: ReturnType<typeof indexHistory>, context: CheckContext, master: string, slave: string): Cut[] {
  const cuts: Cut[] = [];
  const down = new Map<string, { atMs: number; event: string }>();
  for (const event of index.nodes) {
    if (event.node !== slave) continue;
    if (event.event === "crash" || event.event === "power-loss" || event.event === "pause" || event.event === "stop") {
      if (!down.has(slave)) down.set(slave, { atMs: event.timeMs, event: event.event });
    } else if (event.event === "restart" || event.event === "resume" || event.event === "start") {
      const from = down.get(slave);
      if (from !== undefined) cuts.push({ startMs: from.atMs, endMs: event.timeMs, cause: `${slave} ${from.event} at ${formatMs(from.atMs)}, back at ${formatMs(event.timeMs)}` });
      down.delete(slave);
    }
  }
  const open = down.get(slave);
  if (open !== undefined) cuts.push({ startMs: open.atMs, endMs: null, cause: `${slave} ${open.event} at ${formatMs(open.atMs)}, never back` });
  const injected = new Map<number, number>();
  const healed = new Map<number, number>();
  for (const event of index.nemesis) {
    if (event.phase === "inject" && !injected.has(event.faultIndex)) injected.set(event.faultIndex, event.timeMs);
    if (event.phase === "heal") healed.set(event.faultIndex, event.timeMs);
  }
  const fromHistory = index.nemesis.length > 0;
  context.faults.forEach((scheduled, faultIndex) => {
    const fault = scheduled.fault;
    const cuts_ = (fault.kind === "crash" || fault.kind === "power-loss" || fault.kind === "pause") && fault.target === slave
      || (fault.kind === "partition" && fault.shape === "isolate" && (fault.target === slave || fault.target === master))
      || (fault.kind === "firewall" && (fault.port === "ha" || fault.port === "any")
        && ((fault.source === master && fault.target === slave) || (fault.source === slave && fault.target === master)));
    if (!cuts_) return;
    const startMs = fromHistory ? injected.get(faultIndex) : scheduled.atMs;
    if (startMs === undefined) return;
    const endMs = fromHistory ? healed.get(faultIndex) ?? null : scheduled.healAtMs ?? null;
    cuts.push({ startMs, endMs, cause: `${fault.kind} ${faultNodes(fault).join("->") || "cluster"} (fault ${String(faultIndex)}) from ${formatMs(startMs)}${endMs === null ? "" : ` to ${formatMs(endMs)}`}` });
  });
  return cuts;
}

/** SEND_OK from a SYNC_MASTER answered while every slave of it was cut off (header). */
function claimsWithoutSlave(index: ReturnType<typeof indexHistory>, context: CheckContext, masterOf: (name: string) => BrokerFacts | undefined): StatusViolation[] {
  const cutsByMaster = new Map<string, Cut[][]>();
  const found: StatusViolation[] = [];
  for (const send of index.sends) {
    if (send.outcome !== "ok" || send.queue === undefined || (send.sendStatus ?? "SEND_OK") !== "SEND_OK") continue;
    const brokerName = brokerOfQueue(send.queue);
    const master = masterOf(brokerName);
    if (master?.role !== "SYNC_MASTER") continue;
    const slaves = slavesOf(context.topology, brokerName).map((slave) => slave.node);
    if (slaves.length === 0) continue;
    let perSlave = cutsByMaster.get(master.node);
    if (perSlave === undefined) {
      perSlave = slaves.map((slave) => slaveCuts(index, context, master.node, slave));
      cutsByMaster.set(master.node, perSlave);
    }
    const outcomeMs = send.outcomeMs ?? send.invokeMs;
    const covering = perSlave.map((cuts) => cuts.find((cut) => cut.startMs + slaveCutEdgeMs <= send.invokeMs && (cut.endMs === null || outcomeMs < cut.endMs)));
    if (covering.some((cut) => cut === undefined)) continue;
    found.push({
      id: send.messageId, queue: send.queue, status: "SEND_OK", timeMs: outcomeMs, broker: master.node,
      why: `SEND_OK from SYNC_MASTER ${master.node} claims a slave has it, but no slave could have acked it (sent ${formatMs(send.invokeMs)}, answered ${formatMs(outcomeMs)}; ` +
        `${covering.map((cut) => cut?.cause ?? "").join("; ")}): a healthy master answers SLAVE_NOT_AVAILABLE or FLUSH_SLAVE_TIMEOUT`,
    });
  }
  return found;
}
