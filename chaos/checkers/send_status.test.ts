import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import type { SendStatusEvidence } from "./send_status.ts";
import { checkSendStatus } from "./send_status.ts";
import { HistoryBuilder, offsetReuseAfterPowerLoss, resentRetryCopyThenPowerLoss, testContext, topologyFacts } from "./testing/history_builder.ts";

const sync = testContext({ topology: topologyFacts("2m-2s-sync") });
const asyncMaster = testContext({ topology: topologyFacts("2m-2s-async") });
const why = (evidence: unknown): string[] => (evidence as SendStatusEvidence).violations.items.map((entry) => `${entry.id}:${entry.status}`);

test("a healthy SYNC_MASTER pair answering SEND_OK passes and counts the statuses", () => {
  const events = new HistoryBuilder().sends("m-", 3).deliverAll(["m-0", "m-1", "m-2"], 5).build();
  const result = checkSendStatus(events, sync);
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual((result.evidence as SendStatusEvidence).statuses, { SEND_OK: 3 });
});

test("SLAVE_NOT_AVAILABLE from a healthy pair fails; with the slave down it is explained", () => {
  const build = (): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 10_000, status: "SLAVE_NOT_AVAILABLE" }).deliver({ id: "m", at: 10_010 });
  const healthy = checkSendStatus(build().build(), sync);
  assert.deepEqual(why(healthy.evidence), ["m:SLAVE_NOT_AVAILABLE"]);
  assert.match(healthy.summary, /healthy SYNC_MASTER pair broker-a\/broker-a-s/);
  const slaveDown = checkSendStatus(build().fault(5_000, 20_000, "crash", "broker-a-s").build(), sync);
  assert.equal(slaveDown.verdict, "pass", slaveDown.summary);
  assert.match((slaveDown.evidence as SendStatusEvidence).explained.items[0]?.why ?? "", /crash broker-a-s/);
  // A slow disk on the master does not make the slave unavailable; a master restart does (the slave reconnects).
  assert.equal(checkSendStatus(build().fault(5_000, 20_000, "slow-disk", "broker-a").build(), sync).verdict, "fail");
  assert.equal(checkSendStatus(build().fault(5_000, 9_000, "crash", "broker-a").build(), sync).verdict, "pass");
  // An ASYNC_MASTER never waits for its slave: the status cannot come from it.
  assert.match(checkSendStatus(build().fault(5_000, 20_000, "crash", "broker-a-s").build(), asyncMaster).summary, /ASYNC_MASTER: it never waits/);
});

test("a fault on the slave that began while the send was in flight explains SLAVE_NOT_AVAILABLE", () => {
  // Seed 2 swarm run 986: invoked at 21.986 s, the slave's disk full at 22.0 s (its append
  // refused, the HA connection dropped), the master stored the message and answered at 22.025 s.
  const build = (faultAtMs: number): HistoryEvent[] => new HistoryBuilder()
    .send({ id: "m", at: 21_986, outcomeAt: 22_025, status: "SLAVE_NOT_AVAILABLE" }).deliver({ id: "m", at: 22_030 })
    .fault(faultAtMs, 27_000, "disk-full", "broker-a-s").build();
  const inFlight = checkSendStatus(build(22_000), sync);
  assert.equal(inFlight.verdict, "pass", inFlight.summary);
  // A fault that began after the answer does not.
  assert.deepEqual(why(checkSendStatus(build(22_026), sync).evidence), ["m:SLAVE_NOT_AVAILABLE"]);
});

test("FLUSH_DISK_TIMEOUT only from a SYNC_FLUSH master under a fault", () => {
  const events = (): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 10_000, status: "FLUSH_DISK_TIMEOUT" }).deliver({ id: "m", at: 10_010 });
  assert.match(checkSendStatus(events().build(), testContext()).summary, /ASYNC_FLUSH: it never waits for a flush/);
  const syncFlush = testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") });
  assert.equal(checkSendStatus(events().build(), syncFlush).verdict, "fail");
  assert.equal(checkSendStatus(events().fault(9_000, 12_000, "slow-disk", "broker-a").build(), syncFlush).verdict, "pass");
});

test("SEND_OK from a SYNC_MASTER claims the slave has it: losing it to a master power loss fails", () => {
  // The master stays down (consumers read the slave): the SEND_OK must hold. A master that
  // restarts recovers only its own flushed log, so that loss is the guarantee table's (4.x).
  const events = new HistoryBuilder().send({ id: "m", at: 0 }).fault(100, null, "power-loss", "broker-a").build();
  assert.equal(checkSendStatus(new HistoryBuilder().send({ id: "m", at: 0 }).fault(100, 5000, "power-loss", "broker-a").build(), sync).verdict, "pass");
  const result = checkSendStatus(events, sync);
  assert.equal(result.verdict, "fail");
  assert.match((result.evidence as SendStatusEvidence).violations.items[0]?.why ?? "", /on the slave \(SYNC_MASTER\)/);
  // ASYNC_MASTER + ASYNC_FLUSH claims neither: that loss is the guarantee table's business.
  assert.equal(checkSendStatus(events, asyncMaster).verdict, "pass");
});

test("SEND_OK backed by the group's DLQ: a dead-lettered message was received (gotBy), not lost", () => {
  const syncFlush = testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") });
  const failing = (): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 1_000 })
    .deliver({ id: "m", at: 1_010, result: "retry" }).deliver({ id: "m", at: 11_010, reconsume: 1, result: "retry" });
  const lost = checkSendStatus(failing().build(), syncFlush);
  assert.equal(lost.verdict, "fail", lost.summary);
  assert.match(lost.summary, /on disk \(SYNC_FLUSH\), yet G never received it/);
  const dlq = failing().raw({ type: "dlq", timeMs: 40_000, process: "dlq-reader", group: "G", messageId: "m", queue: "%DLQ%G:0", queueOffset: 0, reconsumeTimes: 2 }).build();
  assert.equal(checkSendStatus(dlq, syncFlush).verdict, "pass");
  // Another group's DLQ does not back it.
  const elsewhere = failing().raw({ type: "dlq", timeMs: 40_000, process: "dlq-reader", group: "H", messageId: "m", queue: "%DLQ%H:0", queueOffset: 0, reconsumeTimes: 2 }).build();
  assert.equal(checkSendStatus(elsewhere, syncFlush).verdict, "fail");
});

test("SEND_OK whose only copy a client re-send put straight into a DLQ the run did not read is not judged (battery seed 20 run 734)", () => {
  // maxReconsumeTimes 2: the send-back of m's second failure (reconsumeTimes 1) failed, and the
  // client's own re-send carried count 2, so the broker dead-lettered it (%DLQ%G:0); G's offset
  // moved past the original and nobody read the DLQ. The delivery checker lists it as unread.
  const context = (maxReconsumeTimes: number) => testContext({
    topology: topologyFacts("2m-noslave", "SYNC_FLUSH"), groups: [{ group: "G", topic: "T", count: 1, maxReconsumeTimes }],
  });
  const history = new HistoryBuilder().send({ id: "m", at: 1_000 })
    .deliver({ id: "m", at: 1_010, result: "retry" }).resend({ id: "m", at: 1_030, reconsume: 1, queue: "broker-a:0", offset: 0 }).build();
  const unread = checkSendStatus(history, context(2));
  assert.equal(unread.verdict, "pass", unread.summary);
  // Below the limit the copy went to %RETRY%G on a SYNC_FLUSH broker and G never read it: a lie.
  assert.deepEqual(why(checkSendStatus(history, context(16)).evidence), ["m:SEND_OK"]);
  // A run that read G's DLQ must have found it there.
  const read = checkSendStatus(history, testContext({
    topology: topologyFacts("2m-noslave", "SYNC_FLUSH"), groups: [{ group: "G", topic: "T", count: 1, maxReconsumeTimes: 2, readDlq: true }],
  }));
  assert.deepEqual(why(read.evidence), ["m:SEND_OK"]);
});

test("SEND_OK from a SYNC_MASTER while its slave is down is a false claim even when nothing is lost", () => {
  const slaveDown = (sendAtMs: number, outcomeAtMs = sendAtMs + 2): HistoryBuilder => new HistoryBuilder()
    .node(4_000, "broker-a-s", "crash").node(20_000, "broker-a-s", "restart")
    .send({ id: "m", at: sendAtMs, outcomeAt: outcomeAtMs }).deliver({ id: "m", at: outcomeAtMs + 10 });
  const lied = checkSendStatus(slaveDown(10_000).build(), sync);
  assert.deepEqual(why(lied.evidence), ["m:SEND_OK"]);
  assert.match(lied.summary, /SEND_OK from SYNC_MASTER broker-a claims a slave has it, but no slave could have acked it \(sent 10\.0 s, answered 10\.0 s; broker-a-s crash at 4000 ms, back at 20\.0 s\)/);
  // Edges: sent just as the slave went down (it may have acked first), or answered after it came back and caught up.
  assert.equal(checkSendStatus(slaveDown(4_200).build(), sync).verdict, "pass");
  assert.equal(checkSendStatus(slaveDown(18_000, 20_500).build(), sync).verdict, "pass");
  // An ASYNC_MASTER claims no replica; another pair's slave being down says nothing about broker-a.
  assert.equal(checkSendStatus(slaveDown(10_000).build(), asyncMaster).verdict, "pass");
  const otherSlave = new HistoryBuilder().node(4_000, "broker-b-s", "crash").send({ id: "m", at: 10_000 }).deliver({ id: "m", at: 10_010 }).build();
  assert.equal(checkSendStatus(otherSlave, sync).verdict, "pass");
});

test("SEND_OK while a firewall on the ha port or a partition cuts the slave off fails; one on another port does not", () => {
  const cut = (fault: CheckContext["faults"]): CheckResult => {
    const context = testContext({ topology: topologyFacts("2m-2s-sync"), faults: fault });
    return checkSendStatus(new HistoryBuilder().send({ id: "m", at: 10_000 }).deliver({ id: "m", at: 10_010 }).build(), context);
  };
  const firewall = (port: "ha" | "broker", source = "broker-a-s", target = "broker-a") =>
    [{ atMs: 5_000, healAtMs: 15_000, fault: { kind: "firewall" as const, source, target, port, mode: "drop" as const, direction: "one-way" as const } }];
  assert.match(cut(firewall("ha")).summary, /firewall broker-a-s->broker-a \(fault 0\) from 5000 ms to 15\.0 s/);
  assert.equal(cut(firewall("ha", "broker-a", "broker-a-s")).verdict, "fail");
  assert.equal(cut(firewall("broker")).verdict, "pass");
  assert.equal(cut([{ atMs: 5_000, healAtMs: 15_000, fault: { kind: "partition", shape: "isolate", target: "broker-a-s" } }]).verdict, "fail");
  assert.equal(cut([{ atMs: 5_000, healAtMs: 9_000, fault: { kind: "partition", shape: "isolate", target: "broker-a-s" } }]).verdict, "pass");
});

test("SEND_OK a forced clean on a full disk deleted is excused only with deleted files in the store, and only if stored before the heal", () => {
  // Battery seed 1 runs 3450 and 3380: SYNC_FLUSH broker-a acked messages (a retry copy, a
  // delayed one still parked) that the disk-full cleanup deleted before any consumer got them.
  const syncFlush = testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") });
  const digest = (minPhysicalOffset: number): HistoryEvent => ({
    type: "store-digest", timeMs: 90_000, node: "broker-a", brokerName: "broker-a", role: "master",
    minPhysicalOffset, maxPhysicalOffset: minPhysicalOffset + 100, sha256: "", chunkSha256: [], chunkSizeBytes: 1_048_576,
  });
  const base = (): HistoryEvent[] => new HistoryBuilder().send({ id: "before", at: 10_000 }).send({ id: "after", at: 30_001 })
    .fault(20_000, 30_000, "disk-full", "broker-a").build();
  assert.deepEqual(why(checkSendStatus([...base(), digest(16_384)], syncFlush).evidence), ["after:SEND_OK"]);
  // No deleted file in the final store: the disk-full fault excuses nothing.
  assert.deepEqual(why(checkSendStatus([...base(), digest(0)], syncFlush).evidence).sort(), ["after:SEND_OK", "before:SEND_OK"]);
});

test("SEND_OK lost to offset reuse after an ASYNC_FLUSH SYNC_MASTER's power loss is excused only at or below the offset the group was handed", () => {
  // Battery seed 1 run 3744: broker-b restarted without its unflushed tail; its slave reconnected
  // reporting its longer pre-loss log, so new puts got SEND_OK at once (4.9.x HA divergence) at
  // queue offsets the group had already read past.
  const build = offsetReuseAfterPowerLoss;
  const reused = checkSendStatus(build(3), sync);
  assert.equal(reused.verdict, "pass", reused.summary);
  // One offset above what the group had been handed: the status claimed a message nobody got.
  assert.deepEqual(why(checkSendStatus(build(4), sync).evidence), ["m-4:SEND_OK"]);
  // A SYNC_FLUSH master hands out only durable data, and G read the master (its route kept it, it
  // never went down before the loss): no reuse allowance.
  const syncBoth = testContext({ topology: topologyFacts("2m-2s-sync", "SYNC_FLUSH") });
  assert.deepEqual(why(checkSendStatus(build(3), syncBoth).evidence), ["m-4:SEND_OK"]);
});

test("SEND_OK whose group moved past it to a copy the client re-sent to %RETRY% is judged where that copy was stored", () => {
  // broker-a (SYNC_FLUSH) kept m on disk, but G's offset moved past it after the client's re-send
  // to %RETRY%G stored the only copy on broker-b (ASYNC_FLUSH), which then lost power: the
  // status did not lie (seed 1 run 3024's mechanism).
  const [syncFlushA] = topologyFacts("2m-noslave", "SYNC_FLUSH").brokers;
  const [, asyncFlushB] = topologyFacts("2m-noslave", "ASYNC_FLUSH").brokers;
  const mixed = testContext({ topology: { name: "2m-noslave", brokers: [syncFlushA!, asyncFlushB!] } });
  const excused = checkSendStatus(resentRetryCopyThenPowerLoss(), mixed);
  assert.equal(excused.verdict, "pass", excused.summary);
  // The copy's broker lost power after its flush window, or the copy went to a SYNC_FLUSH broker too.
  assert.deepEqual(why(checkSendStatus(resentRetryCopyThenPowerLoss({ lossAtMs: 20_202 + 10_501 }), mixed).evidence), ["m:SEND_OK"]);
  const syncFlushBoth = testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") });
  assert.deepEqual(why(checkSendStatus(resentRetryCopyThenPowerLoss(), syncFlushBoth).evidence), ["m:SEND_OK"]);
});
