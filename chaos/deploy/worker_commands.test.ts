// The stdin commands of a worker: every command survives format → parse, anything else is
// refused with a reason (never a throw, never a wrong command), and an acl-secret command
// swaps the node's secret and answers whether it could.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatWorkerCommand, parseWorkerCommand, runWorkerCommand, type WorkerCommand } from "./worker_commands.ts";
import type { WorkerControl } from "./worker_protocol.ts";

const commandArb: fc.Arbitrary<WorkerCommand> = fc.oneof(
  fc.constant({ kind: "stop-producers" } as const),
  fc.constant({ kind: "stop" } as const),
  fc.option(fc.string({ minLength: 1 }), { nil: undefined }).map((secretKey) => ({ kind: "acl-secret", secretKey }) as const),
);

test("property: every command is one line that parses back to itself", () => {
  fc.assert(fc.property(commandArb, (command) => {
    const line = formatWorkerCommand(command);
    assert.ok(line.endsWith("\n"));
    assert.equal(line.indexOf("\n"), line.length - 1, "one line, whatever the secret holds");
    assert.deepEqual(parseWorkerCommand(line.slice(0, -1)), command);
  }));
});

test("property: any other line is refused with a reason, never thrown on", () => {
  fc.assert(fc.property(fc.string(), (line) => {
    const parsed = parseWorkerCommand(line);
    if ("invalid" in parsed) assert.ok(parsed.invalid.length > 0);
    else assert.ok(["stop-producers", "stop", "acl-secret"].includes(parsed.kind));
  }));
  for (const line of ["acl-secret", "acl-secret {", "acl-secret []", "acl-secret null", "acl-secret {\"secretKey\":7}", "acl-secret {\"secretKey\":\"\"}", "stop now", "STOP"]) {
    assert.ok("invalid" in parseWorkerCommand(line), line);
  }
  assert.deepEqual(parseWorkerCommand("  stop-producers \r"), { kind: "stop-producers" });
});

test("acl-secret swaps the node's secret (undefined restores) and answers applied", () => {
  const secrets: (string | undefined)[] = [];
  const controls: WorkerControl[] = [];
  const target = {
    stopProducing: () => assert.fail("not a stop"), stop: () => assert.fail("not a stop"),
    node: { setAclSecret: (secretKey: string | undefined) => void secrets.push(secretKey) }, control: (message: WorkerControl) => void controls.push(message),
  };
  runWorkerCommand({ kind: "acl-secret", secretKey: "rotated1" }, target);
  runWorkerCommand({ kind: "acl-secret", secretKey: undefined }, target);
  assert.deepEqual(secrets, ["rotated1", undefined]);
  assert.deepEqual(controls, [{ event: "acl-secret", applied: true }, { event: "acl-secret", applied: true }]);
});

test("a node that cannot sign answers applied: false; the stop commands reach their actions", () => {
  const log: string[] = [];
  const target = { stopProducing: () => void log.push("stop-producers"), stop: () => void log.push("stop"), node: {}, control: (message: WorkerControl) => void log.push(JSON.stringify(message)) };
  runWorkerCommand({ kind: "acl-secret", secretKey: "rotated1" }, target);
  runWorkerCommand({ kind: "stop-producers" }, target);
  runWorkerCommand({ kind: "stop" }, target);
  assert.deepEqual(log, ['{"event":"acl-secret","applied":false}', "stop-producers", "stop"]);
});
