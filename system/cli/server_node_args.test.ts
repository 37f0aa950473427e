// The server node flags: the default, MQLAB_NODE_OPTIONS replacing it, MQLAB_SERVER_NODE_ARGS
// added after it, misuse named, and which flags a process still lacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { missingNodeArgs, serverNodeArgs, serverNodeArgsProblem, serverNodeOptionsDefault } from "./server_node_args.ts";

test("without variables a server gets the default semi-space limit", () => {
  assert.deepEqual(serverNodeArgs({}), serverNodeOptionsDefault.split(" "));
  assert.match(serverNodeOptionsDefault, /^--max-semi-space-size=\d+ --no-concurrent-recompilation$/);
  assert.equal(serverNodeArgsProblem({}), null);
});

test("MQLAB_NODE_OPTIONS replaces the default; empty means Node's own defaults", () => {
  assert.deepEqual(serverNodeArgs({ MQLAB_NODE_OPTIONS: "" }), []);
  assert.deepEqual(serverNodeArgs({ MQLAB_NODE_OPTIONS: "  --max-semi-space-size=8   --max-old-space-size=512 " }),
    ["--max-semi-space-size=8", "--max-old-space-size=512"]);
});

test("MQLAB_SERVER_NODE_ARGS is added after the tuning flags", () => {
  assert.deepEqual(serverNodeArgs({ MQLAB_SERVER_NODE_ARGS: "--cpu-prof --cpu-prof-dir=/tmp/p" }),
    [...serverNodeOptionsDefault.split(" "), "--cpu-prof", "--cpu-prof-dir=/tmp/p"]);
  assert.deepEqual(serverNodeArgs({ MQLAB_NODE_OPTIONS: "", MQLAB_SERVER_NODE_ARGS: "--trace-gc" }), ["--trace-gc"]);
});

test("a token that is not a flag is named with its variable", () => {
  assert.equal(serverNodeArgsProblem({ MQLAB_NODE_OPTIONS: "--max-semi-space-size 2" }),
    'MQLAB_NODE_OPTIONS: "2" is not a node flag (flags start with -)');
  assert.equal(serverNodeArgsProblem({ MQLAB_SERVER_NODE_ARGS: "--cpu-prof-dir /tmp" }),
    'MQLAB_SERVER_NODE_ARGS: "/tmp" is not a node flag (flags start with -)');
});

test("missing flags: what neither execArgv nor NODE_OPTIONS has, in order", () => {
  const wanted = ["--max-semi-space-size=2", "--cpu-prof"];
  assert.deepEqual(missingNodeArgs(wanted, [], undefined), wanted);
  assert.deepEqual(missingNodeArgs(wanted, ["--max-semi-space-size=2", "--import", "tsx"], undefined), ["--cpu-prof"]);
  assert.deepEqual(missingNodeArgs(wanted, [], "--cpu-prof --max-semi-space-size=2"), []);
  // A different value is not the wanted flag: the re-exec puts the wanted one first, the
  // process's own (later on the command line) still wins.
  assert.deepEqual(missingNodeArgs(wanted, ["--max-semi-space-size=8", "--cpu-prof"], undefined), ["--max-semi-space-size=2"]);
});

test("property: after adding what is missing nothing is missing, and nothing present is added", () => {
  const flag = fc.stringMatching(/^--[a-z-]{1,12}(=[0-9]{1,3})?$/);
  fc.assert(fc.property(fc.array(flag, { maxLength: 6 }), fc.array(flag, { maxLength: 6 }), (wanted, present) => {
    const missing = missingNodeArgs(wanted, present, undefined);
    assert.deepEqual(missingNodeArgs(wanted, [...missing, ...present], undefined), []);
    for (const flagText of missing) assert.ok(!present.includes(flagText));
  }));
});
