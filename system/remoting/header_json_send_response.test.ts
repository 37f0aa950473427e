// The stored send response's header writer (header_json_send_response.ts) against the text way
// (jsonHeaderText, JSON.stringify's escaping): on random headers of that shape — values with
// every ASCII character, quotes, backslashes and non-ASCII text, int32 bounds, numbers that are
// not int32, keys missing, extra or out of order, a remark — the size declines (-1) exactly
// when the header is not of that shape, the writer (never past that size) exactly when a string
// in it would need escaping, and otherwise the bytes are exactly the text way's; frames that
// go through it, or fall back from it, decode back to the command.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { jsonHeaderText } from "./header_json.ts";
import type { HeaderFields } from "./header_json.ts";
import { sendResponseHeaderSize, writeSendResponseHeader } from "./header_json_send_response.ts";
import { decodeFramePayload, encodeFrame } from "./command_codec.ts";
import { FLAG_RESPONSE, SerializeType, utf8 } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";

const KEYS = ["MSG_REGION", "TRACE_ON", "msgId", "queueId", "queueOffset"];

const asciiUnit = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(..."0123456789ABCDEFabcdefDefaultRegiontrue-_ ") },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.constantFrom("\"", "\\", "\u0001", "\n", "\u007f", "é", "\ud800", "😀") },
);
/** Mostly text with nothing to escape (what the broker sends), else anything. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)).filter((char) => char !== "\"" && char !== "\\"), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: asciiUnit, maxLength: 40 }) },
);
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const number = fc.oneof({ weight: 16, arbitrary: int32 }, { weight: 1, arbitrary: fc.constantFrom(-0, 0.5, 2 ** 31, -(2 ** 31) - 1, NaN) });
/** The five keys, sometimes with one dropped, one added, or two swapped. */
const keys = fc.oneof(
  { weight: 6, arbitrary: fc.constant(KEYS) },
  { weight: 1, arbitrary: fc.nat(4).map((drop) => KEYS.filter((_, index) => index !== drop)) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(5), fc.constantFrom("transactionId", "x", "msgId")).map(([at, key]) => [...KEYS.slice(0, at), key, ...KEYS.slice(at)]) },
  { weight: 1, arbitrary: fc.nat(3).map((at) => [...KEYS.slice(0, at), KEYS[at + 1]!, KEYS[at]!, ...KEYS.slice(at + 2)]) },
);

const header = fc.record({
  code: number, version: number, opaque: number, flag: number,
  language: fc.oneof(fc.constant("JAVA"), text),
  remark: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: text }),
  keys, values: fc.array(text, { minLength: 7, maxLength: 7 }),
});

type Header = Omit<HeaderFields, "opaque" | "flag">;

function commandOf(fields: { code: number; version: number; language: string; remark: string | undefined; keys: string[]; values: string[] }): Header {
  const extFields: Record<string, string> = {};
  fields.keys.forEach((key, index) => {
    extFields[key] = fields.values[index]!;
  });
  const command: Header = { code: fields.code, language: fields.language, version: fields.version, extFields };
  if (fields.remark !== undefined) command.remark = fields.remark;
  return command;
}

function isPlain(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value) && !value.includes("\"") && !value.includes("\\");
}

function hasShape(command: Header, opaque: number, flag: number): boolean {
  const keysInOrder = Object.keys(command.extFields).join() === KEYS.join();
  const int32s = [command.code, command.version, opaque, flag].every((value) => value === (value | 0));
  return keysInOrder && int32s && command.remark === undefined;
}

test("writes the text way's bytes for a stored send's response, declines every other header", () => {
  fc.assert(fc.property(header, fc.integer({ min: 0, max: 5 }), (fields, offset) => {
    const command = commandOf(fields);
    const size = sendResponseHeaderSize(command, fields.opaque, fields.flag);
    if (!hasShape(command, fields.opaque, fields.flag)) {
      assert.equal(size, -1);
      return;
    }
    const expected = utf8(jsonHeaderText({ ...command, opaque: fields.opaque, flag: fields.flag }, fields.opaque, fields.flag));
    const target = new Uint8Array(offset + Math.max(size, 0) + 3).fill(0xee);
    const end = writeSendResponseHeader(target, offset, command, fields.opaque, fields.flag);
    // Whatever it writes stays inside the size it announced.
    assert.ok(target.subarray(0, offset).every((byte) => byte === 0xee) && target.subarray(offset + size).every((byte) => byte === 0xee));
    if (![command.language, ...Object.values(command.extFields)].every(isPlain)) {
      assert.equal(end, -1);
      return;
    }
    assert.equal(size, expected.length);
    assert.equal(end, offset + size);
    assert.deepEqual(target.subarray(offset, offset + size), expected);
  }), { numRuns: 3000 });
});

test("a broker's send response goes through it and decodes back to the command", () => {
  const response: RemotingCommand = {
    code: 0, language: "JAVA", version: 407, opaque: -7, flag: FLAG_RESPONSE, serializeType: SerializeType.JSON,
    extFields: { MSG_REGION: "DefaultRegion", TRACE_ON: "true", msgId: "7F00000100002A9F0000000000001F40", queueId: "3", queueOffset: "1234567" },
  };
  assert.ok(sendResponseHeaderSize(response, response.opaque, response.flag) > 0);
  const frame = encodeFrame(response);
  const decoded = decodeFramePayload(frame.subarray(4));
  assert.deepEqual(decoded, response);
});

test("a response whose value needs escaping falls back to the text way and still decodes", () => {
  const response: RemotingCommand = {
    code: 0, language: "JAVA", version: 407, opaque: 9, flag: FLAG_RESPONSE, serializeType: SerializeType.JSON,
    extFields: { MSG_REGION: "Region \"é\"", TRACE_ON: "true", msgId: "id\u0001", queueId: "0", queueOffset: "1" },
  };
  const frame = encodeFrame(response);
  assert.deepEqual(decodeFramePayload(frame.subarray(4)), response);
});
