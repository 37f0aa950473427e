import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import {
  messageProperties2String, propertiesFromBytes, propertiesProblem, propertiesToBytes, string2messageProperties,
} from "./properties.ts";
import { arbProperties } from "./testing/arbitraries.ts";

test("properties round trip through string and bytes", () => {
  fc.assert(fc.property(arbProperties, (properties) => {
    assert.equal(propertiesProblem(properties), null);
    assert.deepEqual(string2messageProperties(messageProperties2String(properties)), properties);
    assert.deepEqual(propertiesFromBytes(propertiesToBytes(properties)), properties);
  }));
});

test("encoding has a trailing \\x02; decoding accepts it absent (4.9.4+)", () => {
  const properties = new Map([["TAGS", "a"], ["KEYS", "k1 k2"]]);
  assert.equal(messageProperties2String(properties), "TAGS\u0001a\u0002KEYS\u0001k1 k2\u0002");
  assert.deepEqual(string2messageProperties("TAGS\u0001a\u0002KEYS\u0001k1 k2"), properties);
});

test("malformed pairs are skipped like Java", () => {
  assert.deepEqual(string2messageProperties("\u0001v\u0002k\u0001\u0002ab\u0002x\u0001y\u0001z"), new Map([["x", "y\u0001z"]]));
  assert.notEqual(propertiesProblem(new Map([["k", ""]])), null);
  assert.notEqual(propertiesProblem(new Map([["k\u0001", "v"]])), null);
});

test("garbage strings never throw", () => {
  fc.assert(fc.property(fc.string(), (text) => {
    for (const [key, value] of string2messageProperties(text)) {
      assert.ok(key.length > 0 && value.length > 0);
    }
  }));
});
