import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { applyMutant, isMutableSystemFile, mutantsOf, sampleMutants } from "./mutator.ts";

const fixture = `import { probe } from "../env/probe.ts";
export function decide(a: number, b: number, ok: boolean, env: { log: { info(m: string, f?: object): void } }): boolean {
  env.log.info("deciding", { sum: a + b, flag: a === 1 });
  probe({}, "store.disk.enospc");
  record(a);
  if (a < b && !ok) return true;
  return a - 1 >= b || false;
}
function record(value: number): void {
  void value;
}
`;

test("the mutator lists each operator class and skips logging, probes and imports", () => {
  const mutants = mutantsOf("system/x/fixture.ts", fixture);
  const kinds = new Set(mutants.map((mutant) => mutant.kind));
  for (const kind of ["relational", "logical", "negation", "boolean-literal", "arithmetic", "off-by-one", "remove-call"] as const) assert.ok(kinds.has(kind), kind);
  const lines = new Set(mutants.map((mutant) => mutant.line));
  assert.ok(!lines.has(1), "import mutated");
  assert.ok(!lines.has(3), "a log call's arguments are inert");
  assert.ok(!lines.has(4), "a probe call is inert");
  assert.ok(mutants.some((mutant) => mutant.kind === "remove-call" && mutant.original === "record(a);"));
  assert.ok(mutants.some((mutant) => mutant.original === "<" && mutant.replacement === "<="));
  assert.ok(mutants.some((mutant) => mutant.original === "&&" && mutant.replacement === "||"));
  assert.ok(mutants.some((mutant) => mutant.original === "!ok" && mutant.replacement === "ok"));
  assert.ok(mutants.some((mutant) => mutant.original === "-" && mutant.replacement === "+"));
  assert.ok(mutants.some((mutant) => mutant.original === "1" && mutant.replacement === "2" && mutant.line === 7));
  assert.deepEqual(mutantsOf("system/x/fixture.ts", fixture), mutants, "deterministic");
});

test("applying a mutant on a copy changes exactly its span, and restoring gives the same bytes", () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-mutator-"));
  try {
    const path = join(dir, "fixture.ts");
    writeFileSync(path, fixture);
    for (const mutant of mutantsOf("system/x/fixture.ts", fixture)) {
      const original = readFileSync(path, "utf8");
      const mutated = applyMutant(original, mutant);
      assert.notEqual(mutated, original);
      assert.equal(mutated.slice(0, mutant.start), original.slice(0, mutant.start));
      assert.equal(mutated.slice(mutant.start + mutant.replacement.length), original.slice(mutant.end));
      try {
        writeFileSync(path, mutated);
      } finally {
        writeFileSync(path, original);
      }
      assert.equal(readFileSync(path, "utf8"), fixture);
    }
    const [first] = mutantsOf("system/x/fixture.ts", fixture);
    assert.throws(() => applyMutant(fixture.replace("import", "imp0rt").slice(1), first!), /does not match/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a seeded sample is deterministic, without repeats, and differs by seed", () => {
  const mutants = mutantsOf("system/x/fixture.ts", fixture);
  const a = sampleMutants(mutants, 5, 7);
  assert.deepEqual(sampleMutants(mutants, 5, 7), a);
  assert.equal(new Set(a.map((mutant) => mutant.id)).size, 5);
  assert.notDeepEqual(sampleMutants(mutants, 5, 8).map((m) => m.id), a.map((m) => m.id));
  assert.equal(sampleMutants(mutants, 1000, 1).length, mutants.length);
});

test("only system/ sources are mutated: no tests, helpers, CLIs, real Env or the probe seam", () => {
  assert.equal(isMutableSystemFile("system/store/commit_log.ts"), true);
  for (const path of ["system/store/commit_log.test.ts", "system/store/testing/x.ts", "system/cli/mqadmin.ts", "system/env/real/net.ts", "system/env/probe.ts", "chaos/runner.ts", "system/remoting/remoting_arbitraries.test_support.ts"]) {
    assert.equal(isMutableSystemFile(path), false, path);
  }
});
