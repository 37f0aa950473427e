// Every --broken switch has a proof (broken_proofs.ts), and each proof holds: with the switch
// the run fails its one checker with offending evidence (message ids, queues, times), and the
// same shape without the switch passes that checker with no offending evidence, so the catch
// is not a false positive of the shape. A proof with a documented gap runs as a todo: it
// reports, without failing the suite, until the checker learns to catch it.
// Cost: about 30 s of wall time for all of them (both runs each) on a quiet core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { brokenSwitchNames, parseBrokenSwitch } from "../../chaos/check/broken.ts";
import { judgeScenario } from "../../chaos/check/check.ts";
import type { CheckResult } from "../../chaos/result.ts";
import type { CheckerName } from "../../chaos/scenario.ts";
import { brokenProofs, findBrokenProof } from "./broken_proofs.ts";
import { findScenario } from "../index.ts";

/** The offending items a checker's evidence lists (its failure's evidence), per checker. */
function offending(checker: CheckerName, check: CheckResult): unknown[] {
  const evidence = (check.evidence ?? {}) as Record<string, unknown>;
  const listOf = (key: string): unknown[] => ((evidence[key] as { items?: unknown[] } | undefined)?.items ?? []);
  switch (checker) {
    case "delivery": return listOf("lost");
    case "duplicates": return listOf("unexplained");
    case "orderly": return [...listOf("overlaps"), ...listOf("crossOwnerReorders"), ...listOf("keyReorders")];
    case "retry": case "send-status": case "late-join": case "sql-filter": return listOf("violations");
    case "delay": return [...listOf("early"), ...listOf("neverDelivered")];
    case "routes": return listOf("stale");
    case "replica": return ((evidence.findings ?? []) as { verdict: string }[]).filter((finding) => finding.verdict !== "prefix");
    default: throw new Error(`no evidence reader for ${checker}`);
  }
}

test("every --broken switch has exactly one proof, named broken/<switch>, judged by one checker, found by `mqlab run`", () => {
  const proofs = brokenProofs();
  assert.deepEqual(proofs.map((entry) => entry.switch), [...brokenSwitchNames]);
  for (const entry of proofs) {
    assert.equal(entry.scenario.name, `broken/${entry.switch}`);
    assert.deepEqual(entry.scenario.expectations.checkers, [entry.checker], entry.switch);
    assert.equal(entry.scenario.testFaults, undefined, `${entry.switch}: the switch comes from --broken, not the scenario`);
    assert.equal(findScenario(entry.scenario.name).description, entry.scenario.description);
  }
  // Issue 11 asks for a new switch per new checker: the new checkers each have a live proof.
  const caughtBy = new Set(proofs.filter((entry) => entry.gap === undefined).map((entry) => entry.checker));
  for (const checker of ["orderly", "retry", "delay", "routes", "replica", "send-status", "duplicates", "delivery", "sql-filter"] as const) assert.ok(caughtBy.has(checker), checker);
  assert.throws(() => findBrokenProof("nope"), /no broken-switch proof/);
});

for (const entry of brokenProofs()) {
  test(`--broken ${entry.switch} is caught by ${entry.checker}; the same shape without it passes`, entry.gap === undefined ? {} : { todo: entry.gap }, async () => {
    const broken = await judgeScenario({ ...entry.scenario, testFaults: parseBrokenSwitch(entry.switch) }, 1);
    assert.equal(broken.verdict, "fail", `${entry.switch}: broken run ${broken.verdict} (${broken.failedChecks.join(", ")})`);
    assert.deepEqual(broken.failedChecks, [entry.checker]);
    const brokenCheck = broken.checks.find((check) => check.name === entry.checker);
    assert.ok(brokenCheck !== undefined);
    assert.ok(offending(entry.checker, brokenCheck).length > 0, `${entry.switch}: no offending evidence in ${JSON.stringify(brokenCheck.evidence).slice(0, 300)}`);

    const healthy = await judgeScenario(entry.scenario, 1);
    const healthyCheck = healthy.checks.find((check) => check.name === entry.checker);
    assert.equal(healthyCheck?.verdict, "pass", `${entry.switch}: healthy run: ${healthyCheck?.summary ?? healthy.failedChecks.join(", ")}`);
    assert.deepEqual(offending(entry.checker, healthyCheck), []);
  });
}
