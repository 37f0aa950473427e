// The byte writer of the JSON header (header_json_write.ts) against the text way (jsonHeaderText,
// JSON.stringify's escaping): on random headers — ASCII with every control character, quotes and
// backslashes, send requests' 0x01/0x02-separated properties, int32 bounds, and text it must
// refuse (non-ASCII, lone surrogates, numbers that are not int32) — it either writes exactly
// the text way's UTF-8 bytes, or declines (-1) exactly when the text is not ASCII or a number
// is not an int32 (or the header might not fit before the limit, past which it never writes);
// and what it writes parses back to the command's fields.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { jsonHeaderText } from "./header_json.ts";
import type { HeaderFields } from "./header_json.ts";
import { writeJsonHeaderAscii } from "./header_json_write.ts";
import { arbCommand } from "./remoting_arbitraries.test_support.ts";
import { fromUtf8, utf8 } from "./remoting_command.ts";
import { decodeFramePayload, encodeFrame } from "./command_codec.ts";

/** Every ASCII character, weighted towards the ones JSON escapes. */
const asciiUnit = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)),
  fc.constantFrom("\"", "\\", "\u0001", "\u0002", "\b", "\f", "\n", "\r", "\t", "\u001f", "\u007f", "/"),
);
const asciiText = fc.string({ unit: asciiUnit, maxLength: 16 });
/** Text that may leave ASCII: latin1, BMP, lone surrogates, emoji. */
const anyText = fc.oneof(
  { weight: 4, arbitrary: asciiText },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
);
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const number = fc.oneof({ weight: 6, arbitrary: int32 }, { weight: 1, arbitrary: fc.constantFrom(-0, 0.5, 2 ** 31, -(2 ** 31) - 1, 1e21, NaN) });
/** A send request's properties: name 0x01 value 0x02 pairs. */
const properties = fc.array(fc.tuple(asciiText, asciiText), { maxLength: 4 })
  .map((pairs) => pairs.map(([name, value]) => `${name}\u0001${value}\u0002`).join(""));

const header = fc.record({
  code: number,
  language: fc.oneof(fc.constantFrom("JAVA", "NODEJS", "GO"), anyText),
  version: number,
  remark: fc.option(anyText, { nil: undefined }),
  extFields: fc.array(fc.tuple(anyText, fc.oneof(anyText, properties)), { maxLength: 14 }).map((pairs) => {
    const record: Record<string, string> = {};
    for (const [key, value] of pairs) {
      Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return record;
  }),
}).map((fields) => {
  const command: Omit<HeaderFields, "opaque" | "flag"> = { code: fields.code, language: fields.language, version: fields.version, extFields: fields.extFields };
  if (fields.remark !== undefined) command.remark = fields.remark;
  return command;
});

function isAsciiText(text: string): boolean {
  return [...text].every((char) => char.charCodeAt(0) < 0x80);
}

function takesPlain(command: Omit<HeaderFields, "opaque" | "flag">, opaque: number, flag: number): boolean {
  const int32s = [command.code, command.version, opaque, flag].every((value) => value === (value | 0));
  const texts = [command.language, ...(command.remark === undefined ? [] : [command.remark]), ...Object.entries(command.extFields).flat()];
  return int32s && texts.every(isAsciiText);
}

/** The writer's bytes, after a guard byte that must stay untouched; undefined when it declines. */
function written(command: Omit<HeaderFields, "opaque" | "flag">, opaque: number, flag: number): Uint8Array | undefined {
  const target = new Uint8Array(64 * 1024).fill(0xee);
  const end = writeJsonHeaderAscii(target, 1, target.length, command, opaque, flag);
  assert.equal(target[0], 0xee);
  if (end < 0) return undefined;
  assert.ok(end <= target.length);
  return target.subarray(1, end);
}

test("the byte writer writes exactly the text way's bytes, and declines only non-ASCII text or non-int32 numbers", () => {
  fc.assert(fc.property(header, number, number, (command, opaque, flag) => {
    const bytes = written(command, opaque, flag);
    assert.equal(bytes !== undefined, takesPlain(command, opaque, flag));
    if (bytes === undefined) return;
    const text = jsonHeaderText({ ...command, opaque, flag }, opaque, flag);
    assert.deepStrictEqual(Buffer.from(bytes).toString("hex"), Buffer.from(utf8(text)).toString("hex"), text);
    // And it is the JSON of the command's fields (the wire contract Java's fastjson reads).
    const parsed = JSON.parse(fromUtf8(bytes)) as Record<string, unknown>;
    assert.deepStrictEqual(parsed["extFields"] ?? {}, { ...command.extFields });
    assert.equal(parsed["remark"], command.remark);
    assert.equal(parsed["language"], command.language);
    assert.equal(parsed["opaque"], opaque + 0); // -0 is written "0", as `${-0}` does
  }), { numRuns: 2000 });
});

test("frames of mqlab's own commands: the byte writer's frame decodes back to the command", () => {
  fc.assert(fc.property(arbCommand(0), (command) => {
    assert.deepStrictEqual(decodeFramePayload(encodeFrame(command).subarray(4)), command);
  }), { numRuns: 300 });
});

test("a header that might not fit before the limit is declined, never written past it", () => {
  fc.assert(fc.property(header, fc.nat({ max: 2000 }), (command, limit) => {
    const target = new Uint8Array(limit + 16).fill(0xee);
    const end = writeJsonHeaderAscii(target, 0, limit, command, 1, 0);
    assert.ok(target.subarray(limit).every((byte) => byte === 0xee), "nothing written past the limit");
    if (end >= 0) assert.equal(fromUtf8(target.subarray(0, end)), jsonHeaderText({ ...command, opaque: 1, flag: 0 }, 1, 0));
  }), { numRuns: 1000 });
});

test("edge cases: every ASCII control character, quote and backslash, int32 bounds, empty strings", () => {
  const everyAscii = String.fromCharCode(...Array.from({ length: 0x80 }, (_, code) => code));
  const cases: [Omit<HeaderFields, "opaque" | "flag">, number, number][] = [
    [{ code: 310, language: "JAVA", version: 407, extFields: { i: `UNIQ_KEY\u0001AC11\u0002WAIT\u0001true\u0002`, [everyAscii]: everyAscii } }, 0, 0],
    [{ code: -0x80000000, language: "", version: 0x7fffffff, remark: "", extFields: { "": "" } }, -0x80000000, 0x7fffffff],
    [{ code: 0, language: "JAVA", version: -1, remark: "a\"b\\c", extFields: {} }, 9, -10],
    [{ code: -0, language: "JAVA", version: 0, extFields: Object.defineProperty({}, "__proto__", { value: "x", enumerable: true }) }, 100, 1000000000],
  ];
  for (const [command, opaque, flag] of cases) {
    const bytes = written(command, opaque, flag);
    assert.notEqual(bytes, undefined);
    assert.equal(fromUtf8(bytes!), jsonHeaderText({ ...command, opaque, flag }, opaque, flag));
  }
  assert.equal(written({ code: 1, language: "JAVA", version: 0, extFields: { k: "é" } }, 0, 0), undefined);
  assert.equal(written({ code: 1, language: "JAVA", version: 0, extFields: { k: "\ud800" } }, 0, 0), undefined);
  assert.equal(written({ code: 1.5, language: "JAVA", version: 0, extFields: {} }, 0, 0), undefined);
});
