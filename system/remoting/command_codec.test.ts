import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeFramePayload, encodeFrame } from "./command_codec.ts";
import { arbAnyCommand } from "./remoting_arbitraries.test_support.ts";
import { createRequest, fromUtf8, SerializeType, utf8 } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";

function roundTrip(command: RemotingCommand): RemotingCommand {
  const frame = encodeFrame(command);
  const length = new DataView(frame.buffer).getInt32(0, false);
  assert.equal(length, frame.length - 4);
  return decodeFramePayload(frame.subarray(4));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

test("decode(encode(command)) deep-equals the command, both header types", () => {
  fc.assert(
    fc.property(arbAnyCommand, (command) => {
      assert.deepStrictEqual(roundTrip(command), command);
    }),
    { numRuns: 500 },
  );
});

test("golden bytes: GET_ROUTEINFO_BY_TOPIC request, JSON header in Java's field order", () => {
  // Arrange
  const command = createRequest(105, { topic: "TopicTest" }, undefined, { version: 401 });
  command.opaque = 1;
  const header =
    '{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":1,' +
    '"serializeTypeCurrentRPC":"JSON","version":401}';
  // Act
  const frame = encodeFrame(command);
  // Assert
  const headerLength = header.length.toString(16).padStart(8, "0");
  const length = (4 + header.length).toString(16).padStart(8, "0");
  assert.equal(hex(frame), length + headerLength + hex(utf8(header)));
  assert.deepStrictEqual(decodeFramePayload(frame.subarray(4)), command);
});

test("golden bytes: the same request with the ROCKETMQ binary header", () => {
  const command = createRequest(105, { topic: "TopicTest" }, undefined, {
    version: 401,
    serializeType: SerializeType.ROCKETMQ,
  });
  command.opaque = 1;
  const expected =
    "0000002d" + // length = 4 + 41
    "01000029" + // serialize type 1, header length 41
    "0069" + "00" + "0191" + "00000001" + "00000000" + // code, JAVA, version, opaque, flag
    "00000000" + // no remark
    "00000014" + "0005" + hex(utf8("topic")) + "00000009" + hex(utf8("TopicTest"));
  const frame = encodeFrame(command);
  assert.equal(hex(frame), expected);
  assert.deepStrictEqual(decodeFramePayload(frame.subarray(4)), command);
});

test("body bytes follow the header; an empty body decodes as absent", () => {
  const withBody = createRequest(34, {}, utf8('{"clientID":"x"}'));
  assert.equal(fromUtf8(roundTrip(withBody).body!), '{"clientID":"x"}');
  const empty = createRequest(34, {}, new Uint8Array(0));
  assert.equal(roundTrip(empty).body, undefined);
});

function jsonFrame(header: string, body = ""): Uint8Array {
  const headerBytes = utf8(header);
  const bodyBytes = utf8(body);
  const payload = new Uint8Array(4 + headerBytes.length + bodyBytes.length);
  new DataView(payload.buffer).setInt32(0, headerBytes.length, false);
  payload.set(headerBytes, 4);
  payload.set(bodyBytes, 4 + headerBytes.length);
  return payload;
}

test("extFields numbers and booleans from non-Java clients become Java toString strings", () => {
  // ali-ons sends SEND_MESSAGE_V2 with "d":4 and "k":false; null values are dropped.
  const payload = jsonFrame(
    '{"code":310,"language":"JAVA","opaque":7,"flag":0,"version":121,' +
      '"extFields":{"a":"g","d":4,"g":1700000000000,"k":false,"z":null}}',
  );
  const command = decodeFramePayload(payload);
  assert.deepStrictEqual(command.extFields, { a: "g", d: "4", g: "1700000000000", k: "false" });
  assert.equal(command.remark, undefined);
  assert.equal(command.serializeType, SerializeType.JSON);
});

test("missing optional JSON fields take Java's defaults; unknown fields are ignored", () => {
  const command = decodeFramePayload(jsonFrame('{"code":0,"flag":1,"opaque":3,"whatever":[1]}'));
  assert.equal(command.language, "JAVA");
  assert.equal(command.version, 0);
  assert.deepStrictEqual(command.extFields, {});
});

test("structurally wrong headers are RemotingDecodeError with a clear message", () => {
  const cases: [string, RegExp][] = [
    ["{not json", /malformed JSON header/],
    ["[1,2]", /not a JSON object/],
    ['{"flag":0}', /missing code/],
    ['{"code":1.5}', /code is not a 32-bit integer/],
    ['{"code":4294967296}', /code is not a 32-bit integer/],
    ['{"code":1,"extFields":[1]}', /extFields is not an object/],
    ['{"code":1,"remark":5}', /remark is not a string/],
  ];
  for (const [header, message] of cases) {
    assert.throws(() => decodeFramePayload(jsonFrame(header)), (error: unknown) => {
      assert.ok(error instanceof RemotingDecodeError, header);
      assert.match(error.message, message);
      return true;
    });
  }
});

test("a __proto__ extFields key stays an ordinary string entry", () => {
  const command = decodeFramePayload(jsonFrame('{"code":1,"extFields":{"__proto__":"x"}}'));
  assert.equal(Object.getPrototypeOf(command.extFields), Object.prototype);
  assert.deepStrictEqual(Object.entries(command.extFields), [["__proto__", "x"]]);
});

test("ROCKETMQ header: ASCII and non-ASCII fields side by side, one-byte keys, __proto__, long values", () => {
  const extFields: Record<string, string> = { a: "x", é: "ü", b: "中文 and ascii", k: "v".repeat(300), z: "" };
  Object.defineProperty(extFields, "__proto__", { value: "own", enumerable: true, writable: true, configurable: true });
  const command = createRequest(310, extFields, utf8("body"), { serializeType: SerializeType.ROCKETMQ, remark: "ré" + "m".repeat(200) });
  command.opaque = 0x7fffffff;
  command.flag = -1;
  const decoded = roundTrip(command);
  assert.deepStrictEqual(decoded, command);
  assert.equal(Object.getPrototypeOf(decoded.extFields), Object.prototype, "__proto__ stays an own field");
  assert.equal(decoded.extFields["__proto__"], "own");
});
