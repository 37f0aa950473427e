import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { createRequest } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { decodeHeader, encodeHeader, HeaderDecodeError, tryDecodeHeader } from "./header_codec.ts";
import { PullMessageRequestHeader, RegisterBrokerRequestHeader, SendMessageRequestHeader, SendMessageRequestHeaderV2 } from "./headers.ts";
import type { SendMessageRequestHeader as SendHeader } from "./headers.ts";
import { decodeSendMessageHeader, encodeSendMessageHeader, sendHeaderV1ToV2, sendHeaderV2ToV1 } from "./send_header.ts";

test("decode parses ints, longs and booleans the Java way", () => {
  const header = decodeHeader(RegisterBrokerRequestHeader, {
    brokerName: "broker-a",
    brokerAddr: "10.0.0.1:10911",
    clusterName: "DefaultCluster",
    haServerAddr: "10.0.0.1:10912",
    brokerId: "0",
    compressed: "TRUE",
    bodyCrc32: "-12345",
    unknownField: "ignored",
  });
  assert.deepStrictEqual(header, {
    brokerName: "broker-a",
    brokerAddr: "10.0.0.1:10911",
    clusterName: "DefaultCluster",
    haServerAddr: "10.0.0.1:10912",
    brokerId: 0,
    compressed: true,
    bodyCrc32: -12345,
  });
  assert.equal(decodeHeader(RegisterBrokerRequestHeader, { ...baseRegister(), compressed: "yes" }).compressed, false);
});

function baseRegister(): Record<string, string> {
  return { brokerName: "b", brokerAddr: "a:1", clusterName: "c", haServerAddr: "a:2", brokerId: "1" };
}

test("a missing required field names the field", () => {
  const { brokerId: _, ...withoutId } = baseRegister();
  assert.throws(() => decodeHeader(RegisterBrokerRequestHeader, withoutId), (error: unknown) => {
    assert.ok(error instanceof HeaderDecodeError);
    assert.equal(error.message, "missing required header field brokerId");
    assert.equal(error.field, "brokerId");
    return true;
  });
  const result = tryDecodeHeader(PullMessageRequestHeader, { consumerGroup: "g", topic: "t" });
  assert.equal(result.ok, false);
  if (!result.ok) assert.equal(result.error.message, "missing required header field queueId");
});

test("malformed numbers are rejected with the field and value", () => {
  const cases: [string, string][] = [["brokerId", "1.5"], ["brokerId", "9223372036854775808"], ["bodyCrc32", "2147483648"], ["bodyCrc32", ""]];
  for (const [field, value] of cases) {
    assert.throws(() => decodeHeader(RegisterBrokerRequestHeader, { ...baseRegister(), [field]: value }), (error: unknown) => {
      assert.ok(error instanceof HeaderDecodeError);
      assert.match(error.message, new RegExp(`header field ${field} of RegisterBrokerRequestHeader: .* is not`));
      return true;
    });
  }
  assert.equal(decodeHeader(RegisterBrokerRequestHeader, { ...baseRegister(), brokerId: "+7" }).brokerId, 7);
});

const arbSendHeader: fc.Arbitrary<SendHeader> = fc
  .record(
    {
      producerGroup: fc.string(),
      topic: fc.string(),
      defaultTopic: fc.constant("TBW102"),
      defaultTopicQueueNums: fc.integer({ min: 1, max: 64 }),
      queueId: fc.integer({ min: 0, max: 1023 }),
      sysFlag: fc.integer({ min: 0, max: 255 }),
      bornTimestamp: fc.nat({ max: 2 ** 45 }),
      flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      properties: fc.string(),
      reconsumeTimes: fc.nat({ max: 32 }),
      unitMode: fc.boolean(),
      batch: fc.boolean(),
      maxReconsumeTimes: fc.integer({ min: -1, max: 32 }),
      bname: fc.string(),
    },
    { noNullPrototype: true, requiredKeys: ["producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums", "queueId", "sysFlag", "bornTimestamp", "flag"] },
  );

test("typed headers round-trip through extFields strings; V1 ↔ V2 mapping is lossless", () => {
  fc.assert(
    fc.property(arbSendHeader, (header) => {
      assert.deepStrictEqual(decodeHeader(SendMessageRequestHeader, encodeHeader(SendMessageRequestHeader, header)), header);
      assert.deepStrictEqual(sendHeaderV2ToV1(sendHeaderV1ToV2(header)), header);
      for (const code of [RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE]) {
        const request = createRequest(code, encodeSendMessageHeader(code, header));
        assert.deepStrictEqual(decodeSendMessageHeader(request), header);
      }
    }),
  );
});

test("SEND_MESSAGE_V2 from ali-ons (numbers coerced to strings) decodes to the long names", () => {
  const request = createRequest(RequestCode.SEND_MESSAGE_V2, {
    a: "PG", b: "TopicTest", c: "TBW102", d: "4", e: "2", f: "0", g: "1700000000000", h: "0", i: "TAGS\u0001A\u0002", j: "0", k: "false",
  });
  assert.deepStrictEqual(decodeSendMessageHeader(request), {
    producerGroup: "PG", topic: "TopicTest", defaultTopic: "TBW102", defaultTopicQueueNums: 4, queueId: 2, sysFlag: 0,
    bornTimestamp: 1700000000000, flag: 0, properties: "TAGS\u0001A\u0002", reconsumeTimes: 0, unitMode: false,
  });
});

test("SEND_MESSAGE_V2's direct decoding gives what the generic decoder gives, or the same error", () => {
  // Values clients send and values only the generic decoder judges: signs, leading zeros,
  // long and out-of-range numbers, odd booleans, missing fields.
  const value = fc.oneof(
    fc.integer({ min: -0x80000000, max: 0x7fffffff }).map(String),
    fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }).map(String),
    fc.constantFrom("", "-", "+1", "-0", "007", "123456789", "1234567890", "2147483648", "999999999999999", "-999999999999999",
      "1234567890123456", "9223372036854775808", "1e3", " 1", "true", "false", "TRUE", "True", "yes", "PG", "TAGS\u0001A\u0002"),
    fc.string({ maxLength: 6 }),
  );
  const field = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "bname", "x");
  const outcome = (decode: () => unknown): unknown => {
    try {
      return { header: decode() };
    } catch (error) {
      return { error: error instanceof HeaderDecodeError ? error.message : String(error) };
    }
  };
  fc.assert(fc.property(fc.array(fc.tuple(field, value), { maxLength: 20 }), fc.boolean(), (pairs, complete) => {
    const extFields: Record<string, string> = complete
      ? { a: "PG", b: "T", c: "TBW102", d: "4", e: "1", f: "0", g: "1700000000000", h: "0" } : {};
    for (const [name, text] of pairs) extFields[name] = text;
    for (const code of [RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE]) {
      const request = createRequest(code, extFields);
      assert.deepStrictEqual(
        outcome(() => decodeSendMessageHeader(request)),
        outcome(() => sendHeaderV2ToV1(decodeHeader(SendMessageRequestHeaderV2, extFields))),
      );
    }
  }), { numRuns: 1500 });
});
