import assert from "node:assert/strict";
import { test } from "node:test";
import { stringifyFastjson } from "../../protocol/fastjson.ts";
import { decodeResetOffsetBody } from "./admin_console_ops.ts";

test("ResetOffsetBody: fastjson MessageQueue keys decode to sorted queues with offsets", () => {
  const offsetTable = new Map<object, number>([
    [{ brokerName: "broker-a", queueId: 1, topic: "T" }, 7],
    [{ brokerName: "broker-a", queueId: 0, topic: "T" }, 3],
  ]);
  const body = new TextEncoder().encode(stringifyFastjson({ offsetTable }));
  assert.deepEqual(decodeResetOffsetBody(body), [
    [{ topic: "T", brokerName: "broker-a", queueId: 0 }, 3],
    [{ topic: "T", brokerName: "broker-a", queueId: 1 }, 7],
  ]);
  assert.deepEqual(decodeResetOffsetBody(undefined), []);
  assert.throws(() => decodeResetOffsetBody(new TextEncoder().encode("{\"offsetTable\":{\"x\":\"y\"}}")));
});
