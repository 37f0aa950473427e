// Operations wire shapes from RocketMQ 4.9.8 (common/protocol/header and body):
// - ResetOffsetRequestHeader {topic!, group!, timestamp! long, isForce! bool}: INVOKE_BROKER_TO_RESET_OFFSET
//   (222, admin → broker) and RESET_CONSUMER_CLIENT_OFFSET (220, broker → client, oneway).
// - ResetOffsetBody {"offsetTable":{{"brokerName":..,"queueId":..,"topic":..}:offset,...}}: the
//   220 request body and the 222 response body (fastjson Map<MessageQueue, Long>).
// - ConsumeMessageDirectlyResultRequestHeader {consumerGroup!, clientId, msgId, brokerName}:
//   CONSUME_MESSAGE_DIRECTLY (309); the broker adds brokerName and puts the stored record in
//   the body before forwarding to the client.
// - ConsumeMessageDirectlyResult {order, autoCommit, consumeResult (CMResult), remark,
//   spentTimeMills}: the client's answer body.
// Invariants: decoders throw BodyDecodeError on malformed bodies, never return partial tables.
import { asObject, parseJsonBody, parseObjectKey, readMap } from "./body_json.ts";
import { stringifyFastjson } from "./fastjson.ts";
import { defineHeader } from "./header_codec.ts";
import type { HeaderOf } from "./header_codec.ts";
import { messageQueueFromJson, messageQueueToJson } from "./message_queue.ts";
import type { MessageQueue } from "./message_queue.ts";

export const ResetOffsetRequestHeader = defineHeader("ResetOffsetRequestHeader", {
  topic: "string!",
  group: "string!",
  timestamp: "long!",
  isForce: "bool!",
});
export type ResetOffsetRequestHeader = HeaderOf<typeof ResetOffsetRequestHeader.fields>;

export const ConsumeMessageDirectlyResultRequestHeader = defineHeader("ConsumeMessageDirectlyResultRequestHeader", {
  consumerGroup: "string!",
  clientId: "string",
  msgId: "string",
  brokerName: "string",
});
export type ConsumeMessageDirectlyResultRequestHeader = HeaderOf<typeof ConsumeMessageDirectlyResultRequestHeader.fields>;

export type CMResult = "CR_SUCCESS" | "CR_LATER" | "CR_ROLLBACK" | "CR_COMMIT" | "CR_THROW_EXCEPTION" | "CR_RETURN_NULL";

export interface ConsumeMessageDirectlyResult {
  order: boolean;
  autoCommit: boolean;
  consumeResult: CMResult | null;
  remark: string | null;
  spentTimeMills: number;
}

const CM_RESULTS = new Set<string>(["CR_SUCCESS", "CR_LATER", "CR_ROLLBACK", "CR_COMMIT", "CR_THROW_EXCEPTION", "CR_RETURN_NULL"]);

export function encodeResetOffsetBody(offsets: readonly [MessageQueue, number][]): Uint8Array {
  const offsetTable = new Map(offsets.map(([mq, offset]) => [messageQueueToJson(mq), offset]));
  return new TextEncoder().encode(stringifyFastjson({ offsetTable }));
}

export function decodeResetOffsetBody(body: Uint8Array | undefined): [MessageQueue, number][] {
  const object = parseJsonBody(body, "ResetOffsetBody");
  const table = readMap(object, "offsetTable", "ResetOffsetBody", (value, key) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new TypeError(`ResetOffsetBody: offset of ${key} is not an integer`);
    return value;
  });
  return [...table].map(([key, offset]) => [messageQueueFromJson(parseObjectKey(key, "ResetOffsetBody.offsetTable")), offset]);
}

export function encodeConsumeMessageDirectlyResult(result: ConsumeMessageDirectlyResult): Uint8Array {
  return new TextEncoder().encode(stringifyFastjson({
    autoCommit: result.autoCommit, consumeResult: result.consumeResult, order: result.order, remark: result.remark, spentTimeMills: result.spentTimeMills,
  }));
}

export function decodeConsumeMessageDirectlyResult(body: Uint8Array | undefined): ConsumeMessageDirectlyResult {
  const object = asObject(parseJsonBody(body, "ConsumeMessageDirectlyResult"), "ConsumeMessageDirectlyResult");
  const consumeResult = object["consumeResult"];
  return {
    order: object["order"] === true,
    autoCommit: object["autoCommit"] !== false,
    consumeResult: typeof consumeResult === "string" && CM_RESULTS.has(consumeResult) ? consumeResult as CMResult : null,
    remark: typeof object["remark"] === "string" ? object["remark"] : null,
    spentTimeMills: typeof object["spentTimeMills"] === "number" ? object["spentTimeMills"] : 0,
  };
}
