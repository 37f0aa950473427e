// The JSON header's fast path (header_json_scan.ts) against the JSON.parse path: on random
// headers — mqlab's own output, Java-like headers in any field order, unicode, escapes, missing
// and extra fields, numbers as strings, non-string extFields values, and random one-character
// damage — decodeJsonHeader gives exactly what the JSON.parse path gives (the same fields, or
// the same error), and the scanner takes every header mqlab writes itself.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeJsonHeader, decodeJsonHeaderParsed, jsonHeaderText } from "./header_json.ts";
import type { HeaderFields } from "./header_json.ts";
import { scanJsonHeader } from "./header_json_scan.ts";
import { arbCommand } from "./remoting_arbitraries.test_support.ts";
import { fromUtf8, utf8 } from "./remoting_command.ts";

type Outcome = { fields: HeaderFields } | { error: string };

function outcome(decode: () => HeaderFields): Outcome {
  try {
    return { fields: decode() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** decodeJsonHeader (scanner first) and the JSON.parse path agree on these bytes. */
function assertSameAsParsed(bytes: Uint8Array): void {
  const fast = outcome(() => decodeJsonHeader(bytes));
  const parsed = outcome(() => decodeJsonHeaderParsed(fromUtf8(bytes)));
  assert.deepStrictEqual(fast, parsed, fromUtf8(bytes));
  if ("fields" in fast && "fields" in parsed) {
    assert.equal(Object.getPrototypeOf(fast.fields.extFields), Object.prototype);
    assert.deepStrictEqual(Object.keys(fast.fields.extFields), Object.keys(parsed.fields.extFields), "same key order");
  }
}

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 12 });
const someText = fc.oneof(anyText, fc.string({ unit: "grapheme", maxLength: 12 }), fc.constantFrom("", "__proto__", "JAVA", "a", "0", "1"));
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const number = fc.oneof(int32, fc.constantFrom(0, -0, 1.5, 2 ** 31, -(2 ** 31) - 1, 1e21, 12345678901));
const scalar = fc.oneof(someText, number, fc.boolean(), fc.constant(null));
const intLike = fc.oneof({ weight: 4, arbitrary: int32 }, { weight: 1, arbitrary: scalar }, { weight: 1, arbitrary: int32.map(String) });
const extFields = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(someText, someText), { maxLength: 6 }) },
  { weight: 2, arbitrary: fc.array(fc.tuple(someText, scalar), { maxLength: 6 }) },
).map((pairs) => pairs);

/** A header as ordered key/value pairs (duplicates allowed), written as JSON text. */
const headerEntries = fc.tuple(
  fc.option(intLike, { nil: undefined }),
  fc.array(fc.oneof(
    fc.tuple(fc.constantFrom("flag", "opaque", "version"), intLike),
    fc.tuple(fc.constantFrom("language", "remark", "serializeTypeCurrentRPC"), fc.oneof(someText, scalar)),
    fc.tuple(fc.constant("extFields"), fc.oneof({ weight: 6, arbitrary: extFields }, { weight: 1, arbitrary: scalar })),
    fc.tuple(someText, scalar),
  ), { maxLength: 8 }),
).chain(([code, rest]) => fc.shuffledSubarray(code === undefined ? rest : [["code", code] as [string, unknown], ...rest], { minLength: rest.length }));

function objectText(pairs: readonly (readonly [string, unknown])[]): string {
  return `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${Array.isArray(value) ? objectText(value as [string, unknown][]) : JSON.stringify(value)}`).join(",")}}`;
}

test("the scanner takes every header mqlab writes, and decodes it as JSON.parse does", () => {
  fc.assert(fc.property(arbCommand(0), int32, int32, (command, opaque, flag) => {
    const text = jsonHeaderText(command, opaque, flag);
    assert.notEqual(scanJsonHeader(text), undefined, text);
    assertSameAsParsed(utf8(text));
  }), { numRuns: 400 });
});

test("fast path == JSON.parse path on Java-like headers in any order, with odd fields and values", () => {
  fc.assert(fc.property(headerEntries, fc.boolean(), (entries, pretty) => {
    const text = objectText(entries);
    assertSameAsParsed(utf8(pretty ? JSON.stringify(JSON.parse(text) as unknown, null, 1) : text));
    assertSameAsParsed(utf8(text));
  }), { numRuns: 600 });
});

test("fast path == JSON.parse path on damaged headers (one character inserted, removed or replaced)", () => {
  const damage = fc.tuple(fc.nat(), fc.constantFrom("insert", "remove", "replace"), fc.constantFrom(..."{}[]\":,\\ -0123456789.eEtrufalsn\u0001\u00e9"));
  fc.assert(fc.property(arbCommand(0), damage, (command, [at, how, char]) => {
    const text = jsonHeaderText(command, 7, 0);
    const index = at % (text.length + 1);
    const damaged = how === "insert" ? text.slice(0, index) + char + text.slice(index)
      : how === "remove" ? text.slice(0, index) + text.slice(index + 1)
        : text.slice(0, index) + char + text.slice(index + 1);
    assertSameAsParsed(utf8(damaged));
  }), { numRuns: 1500 });
});

test("edge cases: escapes, -0, leading zeros, int32 bounds, whitespace, nulls, duplicate keys, __proto__", () => {
  const cases = [
    '{"code":1,"extFields":{"k":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\uD800"}}',
    '{"code":-0}', '{"code":01}', '{"code":2147483647,"opaque":-2147483648}', '{"code":2147483648}',
    '{"code":1e2}', '{"code":1.0}', '{ "code":1}', '{"code":1 }', '{"code":1}\n', '{"code":null}', '{"code":"12"}',
    '{"code":1,"code":2}', '{"code":1,"extFields":{"a":"1","a":"2"},"extFields":{"b":"3"}}',
    '{"code":1,"extFields":{"__proto__":"x","2":"y","1":"z"}}', '{"code":1,"remark":null}', '{"code":1,"remark":""}',
    '{"code":1,"language":null}', '{"code":1,"extFields":null}', '{"code":1,"extFields":{}}', '{"code":1,"extFields":{"a":1}}',
    '{}', '{"code":1,}', '{"code":1', '{"code":1,"x":"\\u12"}', '{"code":1,"remark":"\\x"}', '{"code":1,"remark":"a\u0001b"}',
    '{"code":1,"serializeTypeCurrentRPC":"ROCKETMQ","unknown":1}', '{"code":-}', '{"code":12345678901}',
  ];
  for (const text of cases) assertSameAsParsed(utf8(text));
});

test("extFields keys the scanner has seen before (its key cache) decode as JSON.parse does", () => {
  // Keys alike but for length, escapes or one character, decoded in both orders, twice: the
  // second pass takes the cached keys.
  const key = fc.oneof(fc.constantFrom("a", "ab", "ab\\", "a\"b", "queueId", "queueOffset", "q", "qd", "é", "a\u0001"), someText);
  fc.assert(fc.property(fc.array(fc.tuple(key, someText), { maxLength: 6 }), (pairs) => {
    const text = objectText([["code", 1], ["extFields", pairs]]);
    const reversed = objectText([["code", 1], ["extFields", [...pairs].reverse()]]);
    for (const bytes of [utf8(text), utf8(reversed), utf8(text), utf8(reversed)]) assertSameAsParsed(bytes);
  }), { numRuns: 500 });
});

test("one-character extFields keys (the scanner's ASCII fast path), every code raw and escaped, decode as JSON.parse does", () => {
  for (let code = 0; code < 0x100; code++) {
    const char = String.fromCharCode(code);
    const escaped = JSON.stringify(char).slice(1, -1);
    for (const keyText of [char, escaped, `\\u${code.toString(16).padStart(4, "0")}`]) {
      assertSameAsParsed(utf8(`{"code":1,"extFields":{"${keyText}":"v","b":"w"}}`));
      assertSameAsParsed(utf8(`{"code":1,"extFields":{"b":"w","${keyText}":"v"}}`));
    }
  }
  // The fast path must not run past a key that is not one character, nor into a damaged one.
  for (const text of ['{"code":1,"extFields":{"a"}}', '{"code":1,"extFields":{"a":}}', '{"code":1,"extFields":{"ab":"1"}}', '{"code":1,"extFields":{a":"1"}}', '{"code":1,"extFields":{"a""1"}}']) {
    assertSameAsParsed(utf8(text));
  }
});
