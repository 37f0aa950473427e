// Transactional messages on a real broker (real Env, loopback): half messages stay out of the
// real topic, END_TRANSACTION commit/rollback with op messages, checkPrepareMessage's refusals,
// the check round asking a live producer (CHECK_TRANSACTION_STATE with the message as body),
// transactionCheckMax → TRANS_CHECK_MAX_TIME_TOPIC, a refused renewal holding the round's
// offset, rejectTransactionMessage, survival across a broker restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../../env/real/index.ts";
import type { RealEnv } from "../../env/real/index.ts";
import type { BrokerConfig } from "../../config/broker_config.ts";
import { decodeMessageRecord, MessageConst, MessageSysFlag, parseOffsetMsgId, SystemTopic } from "../../message/index.ts";
import { RequestCode, ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import { call, heartbeat, sendV2, startBroker, stopHarness } from "../testing/broker_harness.ts";
import type { Harness } from "../testing/broker_harness.ts";

const GROUP = "tx-group";

async function withBroker(overrides: Partial<BrokerConfig>, body: (h: Harness, root: string, env: RealEnv) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "mqlab-tx-"));
  const env = createRealEnv({ nodeName: "tx-test", logLevel: "silent" });
  const h = await startBroker(env, root, { transactionCheckInterval: 3_600_000, ...overrides });
  try {
    await body(h, root, env);
  } finally {
    await stopHarness(h).catch(() => undefined);
    env.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function prepare(h: Harness, body: string, queueId = 1): Promise<RemotingCommand> {
  return sendV2(h, "TxTopic", body, { queueId, properties: { TRAN_MSG: "true", PGROUP: GROUP, UNIQ_KEY: `uk-${body}`, TAGS: "t" } });
}

function endTransaction(h: Harness, sent: RemotingCommand, type: number, overrides: Record<string, string | number | boolean> = {}): Promise<RemotingCommand> {
  const commitLogOffset = parseOffsetMsgId(sent.extFields["msgId"]!).commitLogOffset;
  return call(h, RequestCode.END_TRANSACTION, {
    producerGroup: GROUP, tranStateTableOffset: Number(sent.extFields["queueOffset"]), commitLogOffset, commitOrRollback: type,
    fromTransactionCheck: false, msgId: sent.extFields["msgId"]!, ...overrides,
  });
}

/** Bodies readable in TxTopic (read from the store); waits up to waitMs for one (dispatch is asynchronous). */
async function realTopicBodies(h: Harness, queueId = 1, waitMs = 0): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const got = h.broker.store.getMessage("reader", "TxTopic", queueId, 0, 32, undefined);
    if (got.status === "FOUND") return got.messages.map((bytes) => new TextDecoder().decode(decodeMessageRecord(bytes).body));
    if (Date.now() >= deadline) return [];
    await sleep(20);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test("a half message is invisible in its topic until committed; commit stores it there and writes an op message", () => withBroker({}, async (h) => {
  const sent = await prepare(h, "a");
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  assert.equal(sent.extFields["queueId"], "1", "the response names the real queue");
  assert.deepEqual(await realTopicBodies(h), []);
  assert.equal(h.broker.store.getMaxOffsetInQueue(SystemTopic.TRANS_HALF_TOPIC, 0), 1);
  const ended = await endTransaction(h, sent, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
  assert.equal(ended.code, ResponseCode.SUCCESS, ended.remark);
  assert.deepEqual(await realTopicBodies(h, 1, 3000), ["a"]);
  const committed = decodeMessageRecord(h.broker.store.getMessage("reader", "TxTopic", 1, 0, 1, undefined).messages[0]!);
  assert.equal(committed.properties.get(MessageConst.TRANSACTION_PREPARED), undefined);
  assert.equal(committed.properties.get(MessageConst.REAL_TOPIC), undefined);
  assert.equal(committed.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX), "uk-a");
  assert.equal(committed.sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
  assert.equal(h.broker.store.getMaxOffsetInQueue(SystemTopic.TRANS_OP_HALF_TOPIC, 0), 1);
}));

test("rollback writes only the op message; a wrong group, queue offset or commit-log offset is refused", () => withBroker({}, async (h) => {
  const sent = await prepare(h, "b");
  const wrongGroup = await endTransaction(h, sent, MessageSysFlag.TRANSACTION_COMMIT_TYPE, { producerGroup: "other" });
  assert.equal(wrongGroup.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(wrongGroup.remark, "The producer group wrong");
  const wrongOffset = await endTransaction(h, sent, MessageSysFlag.TRANSACTION_COMMIT_TYPE, { tranStateTableOffset: 9 });
  assert.equal(wrongOffset.remark, "The transaction state table offset wrong");
  const missing = await endTransaction(h, sent, MessageSysFlag.TRANSACTION_COMMIT_TYPE, { commitLogOffset: 5 });
  assert.equal(missing.remark, "Find prepared transaction message failed");
  const rolledBack = await endTransaction(h, sent, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE);
  assert.equal(rolledBack.code, ResponseCode.SUCCESS);
  assert.deepEqual(await realTopicBodies(h), []);
  assert.equal(h.broker.store.getMaxOffsetInQueue(SystemTopic.TRANS_OP_HALF_TOPIC, 0), 1);
  const round = await h.broker.transactionCheckService.runRound();
  assert.equal(round?.checked, 0);
  assert.equal(round?.skippedDone, 1, "the op message marks it done");
}));

test("the check asks a live producer of the group, which resolves the copy with END_TRANSACTION", () => withBroker({ transactionTimeOut: 0 }, async (h) => {
  const checks: RemotingCommand[] = [];
  h.client.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (_context, request) => {
    checks.push(request);
    return undefined;
  });
  assert.equal((await heartbeat(h, { clientID: "127.0.0.1@tx", producerDataSet: [{ groupName: GROUP }], consumerDataSet: [] })).code, ResponseCode.SUCCESS);
  const sent = await prepare(h, "c", 2);
  await sleep(5);
  const round = await h.broker.transactionCheckService.runRound();
  assert.equal(round?.checked, 1);
  for (let i = 0; i < 100 && checks.length === 0; i++) await sleep(10);
  assert.equal(checks.length, 1);
  const check = checks[0]!;
  const shown = decodeMessageRecord(check.body!);
  assert.equal(shown.topic, "TxTopic", "the producer sees the real topic");
  assert.equal(shown.queueId, 2);
  assert.equal(shown.properties.get(MessageConst.TRANSACTION_CHECK_TIMES), "1");
  assert.equal(check.extFields["transactionId"], "uk-c");
  assert.notEqual(Number(check.extFields["tranStateTableOffset"]), Number(sent.extFields["queueOffset"]), "the check names the renewed copy");
  const ended = await call(h, RequestCode.END_TRANSACTION, {
    producerGroup: GROUP, tranStateTableOffset: check.extFields["tranStateTableOffset"]!, commitLogOffset: check.extFields["commitLogOffset"]!,
    commitOrRollback: MessageSysFlag.TRANSACTION_COMMIT_TYPE, fromTransactionCheck: true, msgId: "uk-c",
  });
  assert.equal(ended.code, ResponseCode.SUCCESS, ended.remark);
  assert.deepEqual(await realTopicBodies(h, 2, 3000), ["c"]);
  await sleep(5);
  const next = await h.broker.transactionCheckService.runRound();
  assert.equal(next?.checked, 0, "resolved: no further check");
}));

test("a half message checked transactionCheckMax times goes to TRANS_CHECK_MAX_TIME_TOPIC", () => withBroker({ transactionTimeOut: 0, transactionCheckMax: 2 }, async (h) => {
  await prepare(h, "d");
  const checked: number[] = [];
  for (let round = 0; round < 4; round++) {
    await sleep(5);
    checked.push((await h.broker.transactionCheckService.runRound())?.checked ?? -1);
  }
  assert.deepEqual(checked, [1, 1, 0, 0], "no producer is live: each round renews it until the limit");
  assert.equal(h.broker.store.getMaxOffsetInQueue(SystemTopic.TRANS_CHECK_MAX_TIME_TOPIC, 0), 1);
  assert.deepEqual(await realTopicBodies(h), []);
}));

test("a renewal the store refuses (disk full) ends the round at that half without committing past it; the next round asks again", () => withBroker({ transactionTimeOut: 0 }, async (h) => {
  await prepare(h, "full");
  const store = h.broker.store;
  const putMessage = store.putMessage.bind(store);
  // putBackHalfMsgQueue failing must not advance the half offset (4.9.x retries that offset).
  store.putMessage = (message, options) => message.topic === SystemTopic.TRANS_HALF_TOPIC
    ? Promise.resolve({ status: "SERVICE_NOT_AVAILABLE", appendResult: undefined, reason: "disk full" })
    : putMessage(message, options);
  await sleep(5);
  const refused = await h.broker.transactionCheckService.runRound();
  assert.deepEqual([refused?.checked, refused?.halfOffset], [0, 0]);
  store.putMessage = putMessage;
  await sleep(5);
  const next = await h.broker.transactionCheckService.runRound();
  assert.deepEqual([next?.checked, next?.halfOffset], [1, 1], "the same half is renewed once the store takes writes again");
}));

test("op messages the queue no longer holds (a forced clean took its head) are skipped, not a wall: later ops still mark their halves done", () => withBroker({ transactionTimeOut: 0 }, async (h) => {
  const a = await prepare(h, "a");
  const b = await prepare(h, "b");
  assert.equal((await endTransaction(h, a, MessageSysFlag.TRANSACTION_COMMIT_TYPE)).code, ResponseCode.SUCCESS);
  assert.equal((await endTransaction(h, b, MessageSysFlag.TRANSACTION_COMMIT_TYPE)).code, ResponseCode.SUCCESS);
  for (let waited = 0; h.broker.store.getMaxOffsetInQueue(SystemTopic.TRANS_OP_HALF_TOPIC, 0) < 2 && waited < 3000; waited += 20) await sleep(20);
  const store = h.broker.store;
  const getMessage = store.getMessage.bind(store);
  // Op offset 0 (a's) was deleted with its commit-log file: the queue starts at 1 now.
  store.getMessage = (group, topic, queueId, offset, maxMsgNums, filter) => topic === SystemTopic.TRANS_OP_HALF_TOPIC && offset < 1
    ? { ...getMessage(group, topic, queueId, 1, 0, filter), status: "OFFSET_TOO_SMALL", nextBeginOffset: 1, messages: [], messageQueueOffsets: [] }
    : getMessage(group, topic, queueId, offset, maxMsgNums, filter);
  await sleep(5);
  const round = await h.broker.transactionCheckService.runRound();
  // a's op is gone, so a is asked about again (at least once); b's op still counts.
  assert.deepEqual([round?.checked, round?.skippedDone, round?.opOffset], [1, 1, 2]);
}));

test("a half message younger than transactionTimeOut is not checked", () => withBroker({ transactionTimeOut: 60_000 }, async (h) => {
  await prepare(h, "e");
  await sleep(5);
  const round = await h.broker.transactionCheckService.runRound();
  assert.equal(round?.checked, 0);
  assert.equal(round?.halfOffset, 0);
}));

test("rejectTransactionMessage=true refuses prepared messages with NO_PERMISSION", () => withBroker({ rejectTransactionMessage: true }, async (h) => {
  const sent = await prepare(h, "f");
  assert.equal(sent.code, ResponseCode.NO_PERMISSION);
  assert.match(sent.remark ?? "", /sending transaction message is forbidden/);
}));

test("half messages and the check's progress survive a broker restart", async () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-tx-restart-"));
  const env = createRealEnv({ nodeName: "tx-restart", logLevel: "silent" });
  try {
    const first = await startBroker(env, root, { transactionTimeOut: 0, transactionCheckInterval: 3_600_000 });
    const committed = await prepare(first, "kept");
    await prepare(first, "pending");
    assert.equal((await endTransaction(first, committed, MessageSysFlag.TRANSACTION_COMMIT_TYPE)).code, ResponseCode.SUCCESS);
    await stopHarness(first);
    const second = await startBroker(env, root, { transactionTimeOut: 0, transactionCheckInterval: 3_600_000 });
    try {
      await sleep(5);
      const round = await second.broker.transactionCheckService.runRound();
      assert.equal(round?.skippedDone, 1, "the committed one is done (op message on disk)");
      assert.equal(round?.checked, 1, "the pending one is still asked about");
      assert.deepEqual(await realTopicBodies(second, 1, 3000), ["kept"]);
    } finally {
      await stopHarness(second);
    }
  } finally {
    env.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test("a slave answers END_TRANSACTION with SLAVE_NOT_AVAILABLE and never runs checks", () => withBroker({ brokerId: 1, brokerRole: "SLAVE" }, async (h) => {
  const ended = await call(h, RequestCode.END_TRANSACTION, {
    producerGroup: GROUP, tranStateTableOffset: 0, commitLogOffset: 0, commitOrRollback: MessageSysFlag.TRANSACTION_COMMIT_TYPE, msgId: "x",
  });
  assert.equal(ended.code, ResponseCode.SLAVE_NOT_AVAILABLE);
  assert.equal(await h.broker.transactionCheckService.runRound(), undefined);
}));
