import assert from "node:assert/strict";
import { test } from "node:test";
import { deflateSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { fromUtf8 } from "../remoting/remoting_command.ts";
import { BodyDecodeError } from "./body_json.ts";
import type { RegisterBrokerBody } from "./register_broker_body.ts";
import { decodeRegisterBrokerBody, encodeRegisterBrokerBody } from "./register_broker_body.ts";
import type { TopicConfig } from "./topic_config.ts";
import { newTopicConfig } from "./topic_config.ts";

const arbTopic: fc.Arbitrary<TopicConfig> = fc
  .tuple(
    fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,20}$/),
    fc.nat(64),
    fc.nat(64),
    fc.nat(15),
    fc.constantFrom("SINGLE_TAG" as const, "MULTI_TAG" as const),
    fc.nat(3),
    fc.boolean(),
  )
  .map(([topicName, readQueueNums, writeQueueNums, perm, topicFilterType, topicSysFlag, order]) =>
    newTopicConfig(topicName, { readQueueNums, writeQueueNums, perm, topicFilterType, topicSysFlag, order }),
  );

const arbBody: fc.Arbitrary<RegisterBrokerBody> = fc
  .tuple(fc.array(arbTopic, { maxLength: 20 }), fc.nat({ max: 2 ** 45 }), fc.nat(1000), fc.array(fc.constant("10.0.0.1:40000"), { maxLength: 2 }))
  .map(([topics, timestamp, counter, filterServerList]) => ({
    topicConfigSerializeWrapper: {
      topicConfigTable: new Map(topics.map((topic) => [topic.topicName, topic])),
      dataVersion: { timestamp, counter },
    },
    filterServerList,
  }));

test("plain JSON form round-trips", () => {
  fc.assert(fc.property(arbBody, (body) => assert.deepStrictEqual(decodeRegisterBrokerBody(encodeRegisterBrokerBody(body), false), body)));
});

test("compressed form round-trips everything but topicSysFlag and order, which read back as Java defaults", () => {
  fc.assert(
    fc.property(arbBody, (body) => {
      const decoded = decodeRegisterBrokerBody(encodeRegisterBrokerBody(body, true), true);
      const expectedTable = new Map(
        [...body.topicConfigSerializeWrapper.topicConfigTable].map(([name, config]) => [name, { ...config, topicSysFlag: 0, order: false }]),
      );
      assert.deepStrictEqual(decoded.topicConfigSerializeWrapper.topicConfigTable, expectedTable);
      assert.deepStrictEqual(decoded.topicConfigSerializeWrapper.dataVersion, body.topicConfigSerializeWrapper.dataVersion);
      assert.deepStrictEqual(decoded.filterServerList, body.filterServerList);
    }),
  );
});

test("compressed layout is RocketMQ's: zlib stream of length-prefixed DataVersion, compact topics, filter list", () => {
  const body: RegisterBrokerBody = {
    topicConfigSerializeWrapper: {
      topicConfigTable: new Map([["TopicTest", newTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4, order: true })]]),
      dataVersion: { timestamp: 1700000000000, counter: 2 },
    },
    filterServerList: [],
  };
  const compressed = encodeRegisterBrokerBody(body, true);
  assert.equal(compressed[0], 0x78, "zlib header (DeflaterOutputStream)");
  const raw = inflateSync(compressed);
  const dataVersion = '{"counter":2,"timestamp":1700000000000}';
  const topic = "TopicTest 4 4 6 SINGLE_TAG";
  const expected = Buffer.concat([
    int32(dataVersion.length), Buffer.from(dataVersion),
    int32(1),
    int32(topic.length), Buffer.from(topic),
    int32(2), Buffer.from("[]"),
  ]);
  assert.equal(raw.toString("hex"), expected.toString("hex"));
  // A Java-built stream (any deflate level) decodes the same way.
  assert.equal(decodeRegisterBrokerBody(deflateSync(expected, { level: 1 }), true).topicConfigSerializeWrapper.topicConfigTable.get("TopicTest")?.readQueueNums, 4);
  assert.match(fromUtf8(encodeRegisterBrokerBody(body)), /"order":true/);
});

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

test("bad compressed bodies are BodyDecodeError: garbage, truncation, bad compact topic, inflate bomb", () => {
  const good = encodeRegisterBrokerBody(
    { topicConfigSerializeWrapper: { topicConfigTable: new Map([["T", newTopicConfig("T")]]), dataVersion: { timestamp: 1, counter: 1 } }, filterServerList: [] },
    true,
  );
  const cases: Uint8Array[] = [
    new Uint8Array([1, 2, 3]),
    good.subarray(0, good.length - 6),
    deflateSync(Buffer.concat([int32(2), Buffer.from("{}"), int32(1), int32(3), Buffer.from("T 4"), int32(2), Buffer.from("[]")])),
    deflateSync(Buffer.concat([int32(2), Buffer.from("{}"), int32(5)])),
    deflateSync(Buffer.concat([int32(-1)])),
    deflateSync(Buffer.alloc(2 * 1024 * 1024)),
  ];
  for (const bytes of cases) {
    assert.throws(() => decodeRegisterBrokerBody(bytes, true, 1024 * 1024), BodyDecodeError);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        decodeRegisterBrokerBody(deflateSync(bytes), true);
      } catch (error) {
        assert.ok(error instanceof BodyDecodeError, String(error));
      }
    }),
    { numRuns: 500 },
  );
});
