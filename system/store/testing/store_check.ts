// Whole-store consistency checks for tests: reads every queue through getMessage and checks
// each record against its consume-queue unit and the commit log.

import { strict as assert } from "node:assert";
import { decodeMessageRecord } from "../../message/index.ts";
import type { MessageExt } from "../../message/index.ts";
import type { DefaultMessageStore } from "../message_store.ts";

/** Every message of every queue, in queue order, decoded with CRC checks. */
export function readAllQueues(store: DefaultMessageStore): Map<string, MessageExt[]> {
  const all = new Map<string, MessageExt[]>();
  for (const queue of store.consumeQueues.all()) {
    const messages: MessageExt[] = [];
    let offset = queue.minOffset;
    while (offset < queue.maxOffset()) {
      const result = store.getMessage("check", queue.topic, queue.queueId, offset, 32);
      assert.ok(result.nextBeginOffset > offset, `progress at ${queue.topic}/${queue.queueId}@${offset}: ${result.status}`);
      result.messages.forEach((record, index) => {
        const message = decodeMessageRecord(record, 0, { checkCRC: true });
        assert.equal(message.topic, queue.topic);
        assert.equal(message.queueId, queue.queueId);
        assert.equal(message.queueOffset, result.messageQueueOffsets[index]);
        messages.push(message);
      });
      offset = result.nextBeginOffset;
    }
    all.set(`${queue.topic}/${queue.queueId}`, messages);
  }
  return all;
}
