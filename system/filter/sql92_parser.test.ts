// Unit cases for the SQL92 selector: RocketMQ 4.9's semantics case by case (three-valued logic,
// Java conversions, creation-time checks) and error positions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileFilterExpression, evaluate, matches, parseSql92, Sql92ParseError } from "./index.ts";

function run(text: string, properties: Record<string, string>): unknown {
  try {
    return evaluate(parseSql92(text), (name) => properties[name]);
  } catch (error) {
    if (error instanceof Sql92ParseError) throw error;
    return "error";
  }
}

function errorAt(text: string): number {
  try {
    parseSql92(text);
  } catch (error) {
    assert.ok(error instanceof Sql92ParseError, String(error));
    return error.position;
  }
  assert.fail(`${text} parsed`);
}

test("comparisons convert the property string to the literal's Java type", () => {
  assert.equal(run("a > 3", { a: "5" }), true);
  assert.equal(run("a > 3", { a: "5.5" }), "error"); // Integer.valueOf("5.5") throws
  assert.equal(run("a > 3.0", { a: "5.5" }), true);
  assert.equal(run("a = 5", { a: "5" }), true);
  assert.equal(run("a = 'x'", { a: "x" }), true);
  assert.equal(run("a <> 'x'", { a: "y" }), true);
  assert.equal(run("a > b", { a: "10", b: "9" }), true); // two strings compare as doubles
  assert.equal(run("a > b", { a: "x", b: "9" }), "error");
  assert.equal(run("a = TRUE", { a: "TRUE" }), true);
  assert.equal(run("a > 3000000000", { a: "3000000001" }), true);
  assert.equal(run("a BETWEEN 1 AND 10", { a: "10" }), true);
  assert.equal(run("a NOT BETWEEN 1 AND 10", { a: "11" }), true);
  assert.equal(run("-a < 0", { a: "1" }), null); // negating a string gives null
});

test("NULL handling follows the Java evaluator", () => {
  assert.equal(run("a = 'x'", {}), null);
  assert.equal(run("'x' = a", {}), false); // only the LEFT side being null gives null
  assert.equal(run("a = b", {}), true); // both null are equal
  assert.equal(run("a IS NULL", {}), true);
  assert.equal(run("a IS NOT NULL", { a: "" }), true);
  assert.equal(run("a > 1 OR b = 'y'", { b: "y" }), true);
  assert.equal(run("a > 1 AND b = 'y'", { b: "y" }), null);
  assert.equal(run("a > 1 AND b = 'y'", { b: "n" }), false);
  assert.equal(run("NOT (a > 1)", {}), null);
  assert.equal(run("a IN ('x', 'y')", {}), null);
  assert.equal(run("a NOT IN ('x', 'y')", { a: "z" }), true);
  assert.equal(run("a", { a: "true" }), false); // a String property is never a Boolean
  assert.equal(run("TRUE", {}), true);
  assert.equal(matches(parseSql92("NULL"), () => undefined), false);
});

test("grammar details of 4.x: NOT binds tighter, trailing tokens are ignored, keywords any case", () => {
  assert.equal(run("NOT a = 'x'", { a: "x" }), "error"); // (NOT a) = 'x': Boolean meets String
  assert.equal(run("a = 'x' )", { a: "x" }), true);
  assert.equal(run("a = 'it''s' and b in ('1')", { a: "it's", b: "1" }), true);
  assert.equal(run("a = 1 -- c\n", { a: "1" }), true);
  assert.equal(run("/* c */ a = 1", { a: "1" }), true);
  assert.equal(run("a = 5L", { a: "5" }), true);
  assert.equal(run("a = .5E1", { a: "5" }), true);
});

test("creation-time checks are parse errors at the operator", () => {
  assert.equal(errorAt("a = NULL"), 2);
  assert.equal(errorAt("a > 'x'"), 2);
  assert.equal(errorAt("a > TRUE"), 2);
  assert.equal(errorAt("TRUE = 1"), 5);
  assert.equal(errorAt("a BETWEEN 5 AND 1"), 2);
  assert.equal(errorAt("a BETWEEN NULL AND 1"), 2);
  assert.equal(errorAt("'x' IN ('a')"), 4);
  assert.equal(errorAt("5"), 0);
  assert.equal(errorAt("a = 1 AND 5"), 6);
  assert.equal(errorAt("a = 0.0"), 4); // Double.MIN_VALUE check rejects 0.0 in 4.x
  assert.equal(errorAt("a = 9223372036854775808"), 4);
});

test("syntax errors carry the position of the offending token", () => {
  assert.equal(errorAt(""), 0);
  assert.equal(errorAt("a ="), 3);
  assert.equal(errorAt("a = 'x"), 4);
  assert.equal(errorAt("(a = 1"), 6);
  assert.equal(errorAt("a IN (1)"), 6);
  assert.equal(errorAt("a IS 1"), 5);
  assert.equal(errorAt("a = # 1"), 4);
  assert.equal(errorAt("a.b = 1"), 1);
  assert.equal(errorAt("a BETWEEN 1 OR 2"), 12);
  const error = (() => {
    try {
      parseSql92("a > ");
    } catch (caught) {
      return caught as Sql92ParseError;
    }
    return undefined;
  })();
  assert.ok(error?.message.startsWith("Invalid MessageSelector. "));
});

test("the compile cache returns the same tree and the same error", () => {
  const first = compileFilterExpression("SQL92", "a = 1");
  assert.equal(compileFilterExpression("SQL92", "a = 1"), first);
  assert.throws(() => compileFilterExpression("SQL92", "a ="), Sql92ParseError);
  assert.throws(() => compileFilterExpression("SQL92", "a ="), Sql92ParseError);
  assert.throws(() => compileFilterExpression("CLASS", "a = 1"), Sql92ParseError);
});
