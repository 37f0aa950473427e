import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseLenientJson } from "./lenient_json.ts";

test("bare numeric keys as fastjson writes them parse", () => {
  assert.deepEqual(parseLenientJson('{"offsetTable":{"T@G":{0:12,1:7}}}'), { offsetTable: { "T@G": { "0": 12, "1": 7 } } });
  assert.deepEqual(parseLenientJson('{"brokerAddrs":{0:"127.0.0.1:10911", 1 : "x:1"}}'), { brokerAddrs: { "0": "127.0.0.1:10911", "1": "x:1" } });
});

test("strings containing {, commas and colons are untouched", () => {
  const text = '{"a":"{0:1}, b:2","c":[1,2,{"d":"e,f:g"}]}';
  assert.deepEqual(parseLenientJson(text), JSON.parse(text));
});

test("standard JSON parses exactly as JSON.parse does", () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => {
    const text = JSON.stringify(value);
    assert.deepEqual(parseLenientJson(text), JSON.parse(text));
  }));
});
