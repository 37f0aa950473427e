// `mqlab incident list | show | run` in-process through the CLI boundary: list and show exit 0
// with every incident / its story; run exits 0 when the broken phase shows the symptom and the
// fixed phase removes it; unknown incidents, a bad --deployer or --seed are one line and exit 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allIncidents } from "../../scenarios/incidents/index.ts";
import { registerIncidentCommand } from "./incident_command.ts";
import { assertOneLine, runCommand } from "./testing/in_process_cli.ts";

const dir = mkdtempSync(join(tmpdir(), "mqlab-incident-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const cli = (args: readonly string[]): ReturnType<typeof runCommand> => runCommand(registerIncidentCommand, args);

test("list (and --names) name every incident; show tells one by name or number (exit 0)", async () => {
  const names = await cli(["incident", "list", "--names"]);
  assert.equal(names.code, 0);
  assert.deepEqual(names.stdout.trim().split("\n"), allIncidents().map((incident) => incident.name));
  const table = await cli(["incident", "list"]);
  assert.equal(table.stdout.trim().split("\n").length, allIncidents().length);
  const first = allIncidents()[0]!;
  const byNumber = await cli(["incident", "show", String(first.number)]);
  assert.equal(byNumber.code, 0);
  assert.match(byNumber.stdout, new RegExp(`^${first.number}\\. ${first.name}: .*\\n\\nSymptom: `));
  assert.match(byNumber.stdout, /\n {2}sim broken /);
});

test("misuse: unknown incident (show, run), bad --deployer, bad --seed, unknown subcommand → one line, exit 2", async () => {
  assertOneLine(await cli(["incident", "show", "nope"]), 2, /^mqlab: unknown incident "nope"; `mqlab incident list` shows all$/, "show");
  assertOneLine(await cli(["incident", "run", "broker"]), 2, /^mqlab: unknown incident "broker" \(did you mean: .*broker-busy/, "run");
  assertOneLine(await cli(["incident", "run", "broker-busy", "--deployer", "container"]), 2, /^mqlab incident run: .*incidents run on sim or process, not "container"/, "deployer");
  assertOneLine(await cli(["incident", "run", "broker-busy", "--seed", "x"]), 2, /^mqlab incident run: .*not an integer: x/, "seed");
  assertOneLine(await cli(["incident", "bogus"]), 2, /^mqlab incident: unknown command 'bogus'/, "subcommand");
});

test("run: the symptom shows when broken and goes when fixed → exit 0 with both phases", async () => {
  const incident = allIncidents().find((candidate) => candidate.name === "more-consumers-than-queues")!;
  const ran = await cli(["incident", "run", incident.name, "--seed", "1", "--out", join(dir, "run")]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(ran.stdout, /^PASS {2}incident\//);
  assert.match(ran.stdout, /\n {2}broken: .*symptom SHOWN: /);
  assert.match(ran.stdout, /\n {2}fixed: .*checks pass; symptom absent: /);
});
