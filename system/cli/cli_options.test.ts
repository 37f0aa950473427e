import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "commander";
import { integerIn, numberFrom, oneOf, parseShardText, readablePath } from "./cli_options.ts";

const rejects = (parse: () => unknown, message: RegExp): void => {
  assert.throws(parse, (error) => error instanceof InvalidArgumentError && message.test(error.message));
};

test("integers: whole numbers in range only", () => {
  assert.equal(integerIn(0)("42"), 42);
  assert.equal(integerIn(1, 3)("3"), 3);
  rejects(() => integerIn(0)("4.5"), /"4\.5" is not an integer ≥ 0/);
  rejects(() => integerIn(0)("abc"), /"abc"/);
  rejects(() => integerIn(0)(""), /is not an integer/);
  rejects(() => integerIn(1, 3)("4"), /in 1\.\.3/);
});

test("numbers: finite and at least (or above) the bound", () => {
  assert.equal(numberFrom(0)("0"), 0);
  assert.equal(numberFrom(0, true)("0.5"), 0.5);
  rejects(() => numberFrom(0, true)("0"), /"0" is not a number > 0/);
  rejects(() => numberFrom(0)("Infinity"), /not a number ≥ 0/);
  rejects(() => numberFrom(0)(" "), /not a number/);
});

test("choices and shards", () => {
  assert.equal(oneOf(["a", "b"])("b"), "b");
  rejects(() => oneOf(["a", "b"])("c"), /"c" is not one of a, b/);
  assert.deepEqual(parseShardText("2/4"), { index: 2, count: 4 });
  for (const bad of ["3/2", "0/1", "1/0", "x", "1/2/3"]) rejects(() => parseShardText(bad), /is not a shard k\/n/);
});

test("readable paths", () => {
  assert.equal(readablePath(import.meta.dirname), import.meta.dirname);
  rejects(() => readablePath("/no/such/path/here"), /no such file or directory/);
});
