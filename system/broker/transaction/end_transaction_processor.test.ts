// END_TRANSACTION (37) through the broker's real dispatch in the simulator, against RocketMQ 4.9.7
// EndTransactionProcessor: commit stores the real message (visible in its topic) and an op
// message, rollback only the op message, UNKNOW (TRANSACTION_NOT_TYPE) gets no response at all,
// a slave answers 11, and checkPrepareMessage's refusals are 1 with Java's remarks.
// (transaction_broker.test.ts covers the check service and restarts on the real Env.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageSysFlag, parseOffsetMsgId, SystemTopic } from "../../message/index.ts";
import { RemotingTimeoutError, RequestCode, ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import { withProcessorWorld } from "../processor/testing/processor_world.ts";
import type { Fields, ProcessorWorld } from "../processor/testing/processor_world.ts";

const GROUP = "tx-group";
const QUIET = { transactionCheckInterval: 3_600_000 };

function prepare(pw: ProcessorWorld, body: string): Promise<RemotingCommand> {
  return pw.send("TxTopic", body, { queueId: 1, properties: { TRAN_MSG: "true", PGROUP: GROUP, UNIQ_KEY: `uk-${body}` } });
}

function endFields(sent: RemotingCommand, type: number, overrides: Fields = {}): Fields {
  return {
    producerGroup: GROUP, tranStateTableOffset: Number(sent.extFields["queueOffset"]), commitLogOffset: parseOffsetMsgId(sent.extFields["msgId"]!).commitLogOffset,
    commitOrRollback: type, fromTransactionCheck: false, msgId: sent.extFields["msgId"], ...overrides,
  };
}

test("commit: the message appears in its topic and an op message is written", () => withProcessorWorld({ config: QUIET }, async (pw) => {
  const sent = await prepare(pw, "a");
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("TxTopic", 1), 0);
  const ended = await pw.call(RequestCode.END_TRANSACTION, endFields(sent, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
  assert.equal(ended.code, ResponseCode.SUCCESS, ended.remark);
  await pw.world.runFor(100);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("TxTopic", 1), 1);
  assert.equal(pw.broker.store.getMaxOffsetInQueue(SystemTopic.TRANS_OP_HALF_TOPIC, 0), 1);
}));

test("rollback writes only the op message; UNKNOW gets no response", () => withProcessorWorld({ config: QUIET }, async (pw) => {
  const sent = await prepare(pw, "b");
  const unknown = await pw.call(RequestCode.END_TRANSACTION, endFields(sent, MessageSysFlag.TRANSACTION_NOT_TYPE), undefined, 1_000).catch((error: unknown) => error);
  assert.ok(unknown instanceof RemotingTimeoutError);
  const rolledBack = await pw.call(RequestCode.END_TRANSACTION, endFields(sent, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE));
  assert.equal(rolledBack.code, ResponseCode.SUCCESS);
  await pw.world.runFor(100);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("TxTopic", 1), 0);
  assert.equal(pw.broker.store.getMaxOffsetInQueue(SystemTopic.TRANS_OP_HALF_TOPIC, 0), 1);
}));

test("checkPrepareMessage refusals: wrong group, wrong queue offset, no half message at the offset → 1", () => withProcessorWorld({ config: QUIET }, async (pw) => {
  const sent = await prepare(pw, "c");
  const cases = [
    { overrides: { producerGroup: "other" }, remark: "The producer group wrong" },
    { overrides: { tranStateTableOffset: 9 }, remark: "The transaction state table offset wrong" },
    { overrides: { commitLogOffset: 5 }, remark: "Find prepared transaction message failed" },
  ];
  for (const c of cases) {
    const response = await pw.call(RequestCode.END_TRANSACTION, endFields(sent, MessageSysFlag.TRANSACTION_COMMIT_TYPE, c.overrides));
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR, c.remark);
    assert.equal(response.remark, c.remark);
  }
  assert.equal(pw.broker.store.getMaxOffsetInQueue("TxTopic", 1), 0);
}));

test("a slave answers SLAVE_NOT_AVAILABLE (11)", () => withProcessorWorld({ config: { ...QUIET, brokerId: 1, brokerRole: "SLAVE" } }, async (pw) => {
  const response = await pw.call(RequestCode.END_TRANSACTION, {
    producerGroup: GROUP, tranStateTableOffset: 0, commitLogOffset: 0, commitOrRollback: MessageSysFlag.TRANSACTION_COMMIT_TYPE, fromTransactionCheck: false, msgId: "x",
  });
  assert.equal(response.code, ResponseCode.SLAVE_NOT_AVAILABLE);
  assert.equal(response.remark, "Message store is slave mode, so end transaction is forbidden.");
}));
