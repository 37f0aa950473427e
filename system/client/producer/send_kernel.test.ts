// buildSendRequest writes the V2 send header's extFields by hand; this holds it to the typed
// path it replaced (SendMessageRequestHeader → sendHeaderV1ToV2 → encodeHeader): same keys in
// the same order, same strings, for plain, retry-topic, transactional and batch messages.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MessageConst, MessageSysFlag, RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import { messageProperties2String } from "../../message/properties.ts";
import type { SendMessageRequestHeader } from "../../protocol/headers.ts";
import { encodeSendMessageHeader } from "../../protocol/send_header.ts";
import { RequestCode } from "../../remoting/request_code.ts";
import { buildSendRequest } from "./send_kernel.ts";
import type { OutgoingMessage, SendRequestOptions } from "./send_kernel.ts";

const text = fc.string({ maxLength: 10 });
const numberText = fc.oneof(fc.integer({ min: -5, max: 40 }).map(String), text);

const arbMessage: fc.Arbitrary<OutgoingMessage> = fc.record({
  retry: fc.boolean(),
  topic: fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/),
  reconsume: fc.option(numberText, { nil: undefined }),
  maxReconsume: fc.option(numberText, { nil: undefined }),
  prepared: fc.boolean(),
  user: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), text, { maxKeys: 3 }),
  flag: fc.integer({ min: -3, max: 1 << 20 }),
  batch: fc.boolean(),
}).map((drawn) => {
  const properties = new Map(Object.entries(drawn.user));
  if (drawn.reconsume !== undefined) properties.set(MessageConst.RECONSUME_TIME, drawn.reconsume);
  if (drawn.maxReconsume !== undefined) properties.set(MessageConst.MAX_RECONSUME_TIMES, drawn.maxReconsume);
  if (drawn.prepared) properties.set(MessageConst.TRANSACTION_PREPARED, "true");
  properties.set(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX, "AC110001000018B4AAC2000000000000");
  const message: OutgoingMessage = {
    topic: (drawn.retry ? RETRY_GROUP_TOPIC_PREFIX : "") + drawn.topic, body: new Uint8Array([1, 2, 3]), properties, flag: drawn.flag,
  };
  if (drawn.batch) message.batch = [{ body: new Uint8Array([4]), properties: new Map(properties), flag: 0 }];
  return message;
});

/** What buildSendRequest sent before: the typed header through the generic codec. */
function typedExtFields(message: OutgoingMessage, options: SendRequestOptions, queueId: number, brokerName: string, bornMs: number): Record<string, string> {
  const isBatch = message.batch !== undefined;
  let sysFlag = 0;
  if (message.properties.get(MessageConst.TRANSACTION_PREPARED) === "true") sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
  const header: SendMessageRequestHeader = {
    producerGroup: options.producerGroup, topic: message.topic, defaultTopic: options.createTopicKey,
    defaultTopicQueueNums: options.defaultTopicQueueNums, queueId, sysFlag, bornTimestamp: bornMs, flag: message.flag,
    properties: messageProperties2String(message.properties), reconsumeTimes: 0, unitMode: false, batch: isBatch, bname: brokerName,
  };
  if (message.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
    const reconsumeTimes = message.properties.get(MessageConst.RECONSUME_TIME);
    if (reconsumeTimes !== undefined) header.reconsumeTimes = Number(reconsumeTimes);
    const maxReconsumeTimes = message.properties.get(MessageConst.MAX_RECONSUME_TIMES);
    if (maxReconsumeTimes !== undefined) header.maxReconsumeTimes = Number(maxReconsumeTimes);
  }
  return encodeSendMessageHeader(isBatch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2, header);
}

test("the hand-written V2 send header equals the typed header through encodeHeader", () => {
  fc.assert(fc.property(
    arbMessage, fc.integer({ min: 0, max: 63 }), fc.stringMatching(/^[a-z-]{1,10}$/), fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 1, max: 16 }),
    (message, queueId, brokerName, bornMs, queueNums) => {
      const options: SendRequestOptions = { producerGroup: "PG", createTopicKey: "TBW102", defaultTopicQueueNums: queueNums, compressMsgBodyOverHowmuch: 4096 };
      const request = buildSendRequest(message, { topic: message.topic, brokerName, queueId }, options, bornMs);
      const expected = typedExtFields(message, options, queueId, brokerName, bornMs);
      assert.deepStrictEqual(Object.entries(request.extFields), Object.entries(expected));
      assert.equal(request.code, message.batch === undefined ? RequestCode.SEND_MESSAGE_V2 : RequestCode.SEND_BATCH_MESSAGE);
    },
  ), { numRuns: 400 });
});
