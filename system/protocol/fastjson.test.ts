import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { FastjsonParseError, parseFastjson, stringifyFastjson } from "./fastjson.ts";

test("standard JSON parses exactly as JSON.parse does", () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      assert.deepStrictEqual(parseFastjson(text), JSON.parse(text));
    }),
    { numRuns: 300 },
  );
});

test("fastjson bare numeric keys, identifiers and single quotes parse", () => {
  const route = '{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"b"}]}';
  assert.deepStrictEqual(parseFastjson(route), {
    brokerDatas: [{ brokerAddrs: { "0": "10.0.0.1:10911", "1": "10.0.0.2:10911" }, brokerName: "b" }],
  });
  assert.deepStrictEqual(parseFastjson("{a:'x', -1 : 2}"), { a: "x", "-1": 2 });
});

test("object keys come back as their JSON text", () => {
  const text = '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":5}}}';
  const parsed = parseFastjson(text) as { offsetTable: Record<string, unknown> };
  const [key] = Object.keys(parsed.offsetTable);
  assert.deepStrictEqual(JSON.parse(key!), { brokerName: "b", queueId: 0, topic: "T" });
  assert.deepStrictEqual(parsed.offsetTable[key!], { maxOffset: 5 });
});

test("garbage is a FastjsonParseError, never another exception", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (text) => {
      try {
        parseFastjson(text);
      } catch (error) {
        assert.ok(error instanceof FastjsonParseError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
  assert.throws(() => parseFastjson("[".repeat(10_000)), /nesting deeper than 256/);
  assert.throws(() => parseFastjson('{"a":1} x'), /trailing characters/);
});

test("stringify: number-keyed Maps bare or quoted, object keys as objects, nulls skipped", () => {
  const addrs = new Map([[0, "a:1"], [1, "b:2"]]);
  assert.equal(stringifyFastjson({ brokerAddrs: addrs }, { bareNumericKeys: true }), '{"brokerAddrs":{0:"a:1",1:"b:2"}}');
  assert.equal(stringifyFastjson({ brokerAddrs: addrs }), '{"brokerAddrs":{"0":"a:1","1":"b:2"}}');
  const table = new Map([[{ brokerName: "b", queueId: 0, topic: "T" }, { maxOffset: 5 }]]);
  assert.equal(stringifyFastjson({ t: table }), '{"t":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":5}}}');
  assert.equal(stringifyFastjson({ a: null, b: undefined, c: [null, 1] }), '{"c":[null,1]}');
  const sorted = stringifyFastjson(new Map([["b", 1], ["a", 2]]), { sortMapKeys: true });
  assert.equal(sorted, '{"a":2,"b":1}');
});

test("stringify then parse round-trips Maps with number keys in both modes", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.nat().map(String), fc.string()), fc.boolean(), (dict, bare) => {
      const map = new Map(Object.entries(dict).map(([k, v]) => [Number(k), v]));
      const parsed = parseFastjson(stringifyFastjson({ m: map }, { bareNumericKeys: bare })) as { m: Record<string, string> };
      assert.deepStrictEqual(new Map(Object.entries(parsed.m).map(([k, v]) => [Number(k), v])), map);
    }),
  );
});
