// A batch sent to a %RETRY% topic, as RocketMQ 4.9.7 treats it: SendMessageProcessor.
// asyncSendBatchMessage runs msgCheck (which creates a missing %RETRY% topic through
// createTopicInSendMessageBackMethod) and the topic-length check, then asyncPutMessages; it has
// no retry step. So the batch is stored in the %RETRY% topic: no SUBSCRIPTION_GROUP_NOT_EXIST for
// an unknown group, and no DLQ however high reconsumeTimes is. A single message keeps both rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeBatch } from "../../message/index.ts";
import { RequestCode, ResponseCode, utf8 } from "../../remoting/index.ts";
import { withProcessorWorld } from "./testing/processor_world.ts";

const batchOf = (count: number): Uint8Array =>
  encodeBatch(Array.from({ length: count }, (_, n) => ({ flag: 0, body: utf8(`b${n}`), properties: new Map([["TAGS", "t"]]) })));

test("a batch to %RETRY% is stored there: no group check, no DLQ (4.9.7 asyncSendBatchMessage)", () => withProcessorWorld({ config: { autoCreateSubscriptionGroup: false } }, async (pw) => {
  // Arrange: group g gives up after 2 retries; group nogroup does not exist.
  const group = await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "g", retryMaxTimes: 2 }));
  assert.equal(group.code, ResponseCode.SUCCESS);
  // Act
  const past = await pw.send("%RETRY%g", batchOf(3), { code: RequestCode.SEND_BATCH_MESSAGE, reconsumeTimes: 5 });
  const flagged = await pw.send("%RETRY%g", batchOf(2), { batch: true, reconsumeTimes: 5 });
  const unknown = await pw.send("%RETRY%nogroup", batchOf(1), { code: RequestCode.SEND_BATCH_MESSAGE });
  // Assert
  assert.equal(past.code, ResponseCode.SUCCESS, past.remark);
  assert.equal(past.extFields["queueOffset"], "0");
  assert.equal(flagged.code, ResponseCode.SUCCESS, flagged.remark);
  assert.equal(flagged.extFields["queueOffset"], "3");
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%RETRY%g", 0), 5, "all five in the retry topic");
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%DLQ%g", 0), 0, "none in the DLQ");
  assert.equal(unknown.code, ResponseCode.SUCCESS, unknown.remark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%RETRY%nogroup", 0), 1);
}));

test("a single message to %RETRY% keeps the group check and the DLQ rule", () => withProcessorWorld({ config: { autoCreateSubscriptionGroup: false } }, async (pw) => {
  const group = await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "g", retryMaxTimes: 2 }));
  assert.equal(group.code, ResponseCode.SUCCESS);
  const unknown = await pw.send("%RETRY%nogroup", "x");
  assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
  const dead = await pw.send("%RETRY%g", "d", { reconsumeTimes: 2 });
  assert.equal(dead.code, ResponseCode.SUCCESS, dead.remark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%DLQ%g", 0), 1);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%RETRY%g", 0), 0);
}));
