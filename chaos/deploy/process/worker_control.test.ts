// What an acl-secret command leaves in the history: the swap and the restore as the sim deployer
// words them, and a skipped command with its reason (no worker by that name, not running, a
// workload module that cannot sign). Nothing here starts a process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryHistory } from "../../history/types.ts";
import { NodeLedger } from "../wall_cluster/node_ledger.ts";
import { RunClock } from "../wall_cluster/run_clock.ts";
import { aclSecretNote, swapAclSecret } from "./worker_control.ts";

test("the notes: replaced and restored as in the sim, skips with their reason", () => {
  assert.equal(aclSecretNote("applied", false), "ACL secret replaced");
  assert.equal(aclSecretNote("applied", true), "ACL secret restored");
  assert.match(aclSecretNote("queued-while-paused", false), /replaced once the paused worker resumes/);
  assert.match(aclSecretNote("unsupported", false), /^acl-secret skipped: .*cannot change its secret/);
  assert.equal(aclSecretNote("not-running", true), "acl-secret skipped: not a running workload client");
  assert.equal(aclSecretNote("no-such-worker", false), "acl-secret skipped: not a running workload client");
});

test("a fault on a node that is not a worker is a note, not a throw", async () => {
  const history = new MemoryHistory();
  await swapAclSecret(undefined, "broker-a", "rotated1", new NodeLedger(history, new RunClock()));
  assert.deepEqual(history.events.map((event) => (event.type === "note" ? `${event.process}: ${event.text}` : event.type)), [
    "broker-a: acl-secret skipped: not a running workload client",
  ]);
});
