// cleanExpireMsg (4.9.x ProcessQueue.cleanExpiredMsg): a message in flight past consumeTimeout is
// sent back at delay level 3 and leaves the process queue only once sent back; when the send-back
// and the re-send to %RETRY% both fail it stays (4.9.x logs "send expired msg exception"), so the
// queue's offset cannot move past it and its listener's own result still decides.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Env, Log } from "../../env/env.ts";
import { MessageConst } from "../../message/message_const.ts";
import type { ClientMessageExt } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { ConsumeServiceHost, ConsumeSettings } from "./consume_service.ts";
import { ConsumeConcurrentlyService } from "./consume_concurrently.ts";
import { ProcessQueue } from "./process_queue.ts";

const consumeTimeoutMs = 2_000;
const nowMs = 10_000;
const clock = { nowMs: () => nowMs, monotonicMs: () => nowMs };
const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silent };
const mq: MessageQueue = { topic: "T", brokerName: "broker-a", queueId: 0 };

function message(queueOffset: number, startedMs: number): ClientMessageExt {
  return {
    topic: "T", body: new Uint8Array(1), flag: 0, queueId: 0, queueOffset, reconsumeTimes: 0, msgId: `m${queueOffset}`, offsetMsgId: `o${queueOffset}`,
    brokerName: "broker-a", properties: new Map([[MessageConst.CONSUME_START_TIMESTAMP, String(startedMs)]]),
  } as unknown as ClientMessageExt;
}

function harness(sendBackSucceeds: boolean): { service: ConsumeConcurrentlyService; pq: ProcessQueue; sentBack: string[] } {
  const pq = new ProcessQueue(clock);
  const sentBack: string[] = [];
  const host = {
    env: { clock } as unknown as Env, log: silent,
    settings: { consumeTimeoutMs } as ConsumeSettings,
    processQueues: () => [[mq, pq]],
    sendMessageBack: async (sent: ClientMessageExt, delayLevel: number) => {
      sentBack.push(`${sent.msgId}@${delayLevel}`);
      return sendBackSucceeds;
    },
  } as unknown as ConsumeServiceHost;
  return { service: new ConsumeConcurrentlyService(host, async () => "CONSUME_SUCCESS"), pq, sentBack };
}

test("an expired message sent back at level 3 leaves the process queue", async () => {
  const { service, pq, sentBack } = harness(true);
  pq.putMessage([message(18, nowMs - consumeTimeoutMs - 1), message(19, nowMs)]);
  await service.cleanExpireMsg();
  assert.deepEqual(sentBack, ["m18@3"]);
  assert.equal(pq.firstMessage()?.queueOffset, 19);
});

test("an expired message whose send-back failed stays in the process queue: its offset is not passed", async () => {
  const { service, pq, sentBack } = harness(false);
  pq.putMessage([message(18, nowMs - consumeTimeoutMs - 1), message(19, nowMs)]);
  await service.cleanExpireMsg();
  assert.ok(sentBack.length >= 1 && sentBack.every((entry) => entry === "m18@3"), sentBack.join());
  assert.equal(pq.firstMessage()?.queueOffset, 18);
  // The listener's own result still removes it: the offset then moves past both.
  assert.equal(pq.removeMessage([message(18, 0), message(19, 0)]), 20);
});

test("scans never overlap: a tick while a send-back hangs sends nothing twice, and the missed tick runs after", async () => {
  const pq = new ProcessQueue(clock);
  const sentBack: string[] = [];
  const pending: ((ok: boolean) => void)[] = [];
  const host = {
    env: { clock } as unknown as Env, log: silent,
    settings: { consumeTimeoutMs } as ConsumeSettings,
    processQueues: () => [[mq, pq]],
    sendMessageBack: (sent: ClientMessageExt) => {
      sentBack.push(sent.msgId);
      return new Promise<boolean>((resolve) => pending.push(resolve));
    },
  } as unknown as ConsumeServiceHost;
  const service = new ConsumeConcurrentlyService(host, async () => "CONSUME_SUCCESS");
  pq.putMessage([message(18, nowMs - consumeTimeoutMs - 1), message(19, nowMs - consumeTimeoutMs - 1)]);
  const first = service.cleanExpireMsgOnTick();
  const second = service.cleanExpireMsgOnTick();
  await second;
  assert.deepEqual(sentBack, ["m18"], "the second tick waits for the scan in progress");
  pending.shift()!(true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sentBack, ["m18", "m19"]);
  pending.shift()!(true);
  // The owed tick's scan finds nothing left to send back.
  await first;
  assert.deepEqual(sentBack, ["m18", "m19"]);
  assert.equal(pq.firstMessage(), undefined);
});

test("a failed batch: messages whose send-back failed both ways are parked once the last send-back ended, counted up, and consumed again 5 s later", async () => {
  const pq = new ProcessQueue(clock);
  const parked: { offsets: number[]; reconsumeTimes: number[]; delayMs: number; afterSendBacks: number }[] = [];
  const sentBack: number[] = [];
  const timers: { fn: () => void; delayMs: number }[] = [];
  const delivered: number[][] = [];
  let calls = 0;
  const host = {
    env: { clock, timers: { setTimeout: (fn: () => void, delayMs: number) => timers.push({ fn, delayMs }), setInterval: () => 0, clear: () => {} } } as unknown as Env,
    log: silent,
    settings: { consumeTimeoutMs, consumeMessageBatchMaxSize: 16, consumeThreadMax: 20, messageModel: "CLUSTERING", group: "G" } as ConsumeSettings,
    offsetStore: { updateOffset: () => {} },
    processQueues: () => [[mq, pq]],
    // Odd offsets cannot be sent back (the broker busy, the re-send refused too).
    sendMessageBack: async (sent: ClientMessageExt) => {
      sentBack.push(sent.queueOffset);
      return sent.queueOffset % 2 === 0;
    },
    emitDeliver: (_mq: MessageQueue, messages: readonly ClientMessageExt[]) => delivered.push(messages.map((sent) => sent.queueOffset)),
    emitConsumeResult: () => {},
    emitLocalRetry: (_mq: MessageQueue, messages: readonly ClientMessageExt[], delayMs: number) => parked.push({
      offsets: messages.map((sent) => sent.queueOffset), reconsumeTimes: messages.map((sent) => sent.reconsumeTimes), delayMs, afterSendBacks: sentBack.length,
    }),
  } as unknown as ConsumeServiceHost;
  const service = new ConsumeConcurrentlyService(host, async () => (calls++ === 0 ? "RECONSUME_LATER" : "CONSUME_SUCCESS"));
  const batch = [message(20, nowMs), message(21, nowMs), message(22, nowMs), message(23, nowMs)];
  pq.putMessage(batch);
  service.submitConsumeRequest(batch, pq, mq);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sentBack, [20, 21, 22, 23]);
  assert.deepEqual(parked, [{ offsets: [21, 23], reconsumeTimes: [1, 1], delayMs: 5_000, afterSendBacks: 4 }]);
  assert.equal(pq.firstMessage()?.queueOffset, 21, "parked messages hold the queue's offset");
  assert.deepEqual(timers.map((timer) => timer.delayMs), [5_000]);
  timers[0]!.fn();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(delivered, [[20, 21, 22, 23], [21, 23]]);
  assert.equal(pq.firstMessage(), undefined);
});
