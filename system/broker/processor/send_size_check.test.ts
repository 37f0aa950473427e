// The size limit as RocketMQ 4.9.7 applies it: the store refuses a message whose encoded record
// exceeds maxMessageSize (CommitLog's MessageExtEncoder: msgLen > maxMessageSize →
// PutMessageStatus.MESSAGE_ILLEGAL), so a body under the limit can still be refused, and the
// processor's own refusals (retry group, transactions) come first. The answer is
// handlePutMessageResult's fixed remark, nothing appended.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeBatch } from "../../message/index.ts";
import { RequestCode, ResponseCode } from "../../remoting/index.ts";
import { BROKER_IP, withProcessorWorld } from "./testing/processor_world.ts";

const maxMessageSize = 1024;
const illegalRemark = `the message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.`;

test("a body under maxMessageSize whose record is over it → 13 with 4.9.7's exact remark; a smaller one is stored", () => withProcessorWorld({ config: { maxMessageSize } }, async (pw) => {
  // Arrange: the record adds about 100 bytes of header, the topic and the properties to the body.
  const underBody = new Uint8Array(maxMessageSize - 8);
  // Act
  const refused = await pw.send("SizeT", underBody);
  const stored = await pw.send("SizeT", new Uint8Array(maxMessageSize - 300));
  // Assert
  assert.equal(refused.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.equal(refused.remark, illegalRemark);
  assert.equal(stored.code, ResponseCode.SUCCESS, stored.remark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("SizeT", 0), 1, "only the smaller one");
}));

test("a batch with one record over maxMessageSize → 13, nothing of it stored", () => withProcessorWorld({ config: { maxMessageSize } }, async (pw) => {
  const batch = encodeBatch([new Uint8Array(10), new Uint8Array(maxMessageSize - 8)].map((body) => ({ flag: 0, body, properties: new Map() })));
  const refused = await pw.send("SizeB", batch, { code: RequestCode.SEND_BATCH_MESSAGE });
  assert.equal(refused.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.equal(refused.remark, illegalRemark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("SizeB", 0), 0);
}));

test("an oversized message meets the processor's refusals first, as in 4.9.7 (group 26, transaction 16)", () => withProcessorWorld({ config: { maxMessageSize, autoCreateSubscriptionGroup: false, rejectTransactionMessage: true } }, async (pw) => {
  const oversized = new Uint8Array(maxMessageSize * 2);
  const retry = await pw.send("%RETRY%nogroup", oversized);
  assert.equal(retry.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, retry.remark);
  const prepared = await pw.send("TxT", oversized, { properties: { TRAN_MSG: "true", PGROUP: "pg" } });
  assert.equal(prepared.code, ResponseCode.NO_PERMISSION, prepared.remark);
  assert.equal(prepared.remark, `the broker[${BROKER_IP}] sending transaction message is forbidden`);
}));

// RocketMQ 4.9.7 DefaultMessageStore.asyncPutMessages → checkMessages: after the store's own
// refusals, `messageExtBatch.getBody().length > maxMessageSize` → MESSAGE_ILLEGAL, before the
// batch is decoded (CommitLog's MessageExtBatchEncoder repeats the same test and would throw
// "message body size exceeded", unreachable behind checkMessages). Per message it checks nothing.
test("a batch of small messages whose whole body is over maxMessageSize → 13 with 4.9.7's remark, nothing stored", () => withProcessorWorld({ config: { maxMessageSize } }, async (pw) => {
  // Arrange: four 300-byte bodies, each record far under the limit, the batch body over it.
  const batch = encodeBatch([1, 2, 3, 4].map(() => ({ flag: 0, body: new Uint8Array(300), properties: new Map<string, string>() })));
  assert.ok(batch.length > maxMessageSize);
  const fits = encodeBatch([1, 2].map(() => ({ flag: 0, body: new Uint8Array(300), properties: new Map<string, string>() })));
  assert.ok(fits.length <= maxMessageSize);
  // Act
  const refused = await pw.send("SizeW", batch, { code: RequestCode.SEND_BATCH_MESSAGE });
  const stored = await pw.send("SizeW", fits, { code: RequestCode.SEND_BATCH_MESSAGE });
  // Assert
  assert.equal(refused.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.equal(refused.remark, illegalRemark);
  assert.equal(stored.code, ResponseCode.SUCCESS, stored.remark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("SizeW", 0), 2, "only the batch that fits");
}));

test("an oversized batch is refused by its size before its body is decoded (a garbage body is 13, not a decode error)", () => withProcessorWorld({ config: { maxMessageSize } }, async (pw) => {
  const garbage = new Uint8Array(maxMessageSize + 1).fill(0xff);
  const refused = await pw.send("SizeG", garbage, { code: RequestCode.SEND_BATCH_MESSAGE });
  assert.equal(refused.code, ResponseCode.MESSAGE_ILLEGAL, refused.remark);
  assert.equal(refused.remark, illegalRemark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("SizeG", 0), 0);
}));
