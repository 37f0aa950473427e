// LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42) through the broker's real dispatch in the
// simulator [AdminBrokerProcessor.lockBatchMQ / unlockBatchMQ]: a client gets the queues nobody
// else holds (lockOKMQSet), renews its own, loses none to another client until it unlocks or the
// lock expires (rebalanceLockMaxLiveTime); a body without consumerGroup/clientId is 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromUtf8, RequestCode, ResponseCode } from "../../remoting/index.ts";
import { withProcessorWorld } from "./testing/processor_world.ts";
import type { ProcessorWorld } from "./testing/processor_world.ts";

const mq = (queueId: number): { brokerName: string; queueId: number; topic: string } => ({ brokerName: "broker-a", queueId, topic: "OT" });

async function lock(pw: ProcessorWorld, clientId: string, queueIds: number[]): Promise<number[]> {
  const response = await pw.call(RequestCode.LOCK_BATCH_MQ, {}, JSON.stringify({ consumerGroup: "og", clientId, mqSet: queueIds.map(mq) }));
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
  const body = JSON.parse(fromUtf8(response.body!)) as { lockOKMQSet: { queueId: number }[] };
  return body.lockOKMQSet.map((item) => item.queueId).sort();
}

test("41 grants free queues and renews owned ones; 42 frees them for another client", () => withProcessorWorld({}, async (pw) => {
  assert.deepEqual(await lock(pw, "c1", [0, 1]), [0, 1]);
  assert.deepEqual(await lock(pw, "c2", [1, 2]), [2]);
  assert.deepEqual(await lock(pw, "c1", [0, 1]), [0, 1]);
  const unlocked = await pw.call(RequestCode.UNLOCK_BATCH_MQ, {}, JSON.stringify({ consumerGroup: "og", clientId: "c1", mqSet: [mq(1)] }));
  assert.equal(unlocked.code, ResponseCode.SUCCESS);
  assert.equal(unlocked.body, undefined);
  assert.deepEqual(await lock(pw, "c2", [1, 2]), [1, 2]);
}));

test("41: a lock not renewed within rebalanceLockMaxLiveTime goes to the next client", () => withProcessorWorld({ controller: { rebalanceLockMaxLiveTimeMs: 1_000 } }, async (pw) => {
  assert.deepEqual(await lock(pw, "c1", [0]), [0]);
  assert.deepEqual(await lock(pw, "c2", [0]), []);
  await pw.world.runFor(1_500);
  assert.deepEqual(await lock(pw, "c2", [0]), [0]);
}));

test("41 and 42 with a body lacking consumerGroup or clientId → 1", () => withProcessorWorld({}, async (pw) => {
  for (const code of [RequestCode.LOCK_BATCH_MQ, RequestCode.UNLOCK_BATCH_MQ]) {
    const response = await pw.call(code, {}, JSON.stringify({ mqSet: [mq(0)] }));
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(response.remark, "lock batch body needs consumerGroup and clientId");
  }
}));
