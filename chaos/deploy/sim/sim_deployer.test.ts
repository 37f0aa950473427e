// The simulator runs the real system: a 1m cluster (1 NameServer, 1 broker, 2 producers, 2
// consumers) for 10 simulated minutes and about 12 000 messages; the same seed three times
// gives the same traceHash, another seed another. An idle 2m-noslave cluster costs little.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuUsage } from "node:process";
import { simCommand } from "../../cli/sim_command.ts";

test("1m, 10 simulated minutes, ~12k messages: same seed → same traceHash (×3), other seed → other", async () => {
  const runs = [];
  for (const seed of [42, 42, 42, 43]) runs.push(await simCommand("1m", seed, 10));
  const [first, second, third, other] = runs;
  assert.ok(first && second && third && other);
  assert.equal(first.error, undefined);
  assert.ok(first.counts.sent >= 10_000, `sent ${first.counts.sent}`);
  assert.equal(first.counts.acked, first.counts.sent);
  assert.equal(first.counts.consumed, first.counts.sent);
  assert.equal(first.simulatedMs, 600_000);
  assert.equal(second.traceHash, first.traceHash);
  assert.equal(third.traceHash, first.traceHash);
  assert.equal(second.events, first.events);
  assert.notEqual(other.traceHash, first.traceHash);
});

test("two simulated hours of an idle 2m-noslave cluster take seconds of CPU", async () => {
  const before = cpuUsage();
  const summary = await simCommand("2m-noslave", 1, 120, 0);
  const used = cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  assert.equal(summary.error, undefined);
  assert.equal(summary.simulatedMs, 7_200_000);
  // Aim: ≥ 1000× faster than real time (measured ~1 ms of CPU per simulated second idle).
  assert.ok(7_200_000 / cpuMs >= 500, `only ${(7_200_000 / cpuMs).toFixed(0)}× real time (${cpuMs.toFixed(0)} ms CPU)`);
});
