// `mqlab show` and `mqlab new` in-process through the CLI boundary: exit 0 with the YAML or the
// written file, and every misuse one line on stderr with exit 2 (unknown name, bad --deployer,
// bad name, existing file without --force); `mqlab run <file>` with a malformed file is exit 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { registerScenarioFileCommands } from "./scenario_file_commands.ts";
import { assertOneLine, runCommand } from "./testing/in_process_cli.ts";

const dir = mkdtempSync(join(tmpdir(), "mqlab-file-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const cli = (args: readonly string[]): ReturnType<typeof runCommand> => runCommand(registerScenarioFileCommands, args);

test("show prints a built-in scenario or an incident as YAML (exit 0)", async () => {
  const scenario = await cli(["show", "1m/broker-crash"]);
  assert.equal(scenario.code, 0, scenario.stderr);
  assert.equal(scenario.stderr, "");
  const parsed = parse(scenario.stdout) as { name: string; topology: string };
  assert.deepEqual({ name: parsed.name, topology: parsed.topology }, { name: "1m/broker-crash", topology: "1m" });
  const incident = await cli(["show", "incident/broker-busy", "--deployer", "process"]);
  assert.equal(incident.code, 0, incident.stderr);
  assert.match(incident.stdout, /broker-busy/);
});

test("show misuse: unknown name (with suggestions), bad --deployer, missing argument → one line, exit 2", async () => {
  assertOneLine(await cli(["show", "broker-crash-nope"]), 2, /^mqlab: unknown scenario or incident "broker-crash-nope".*`mqlab list`/, "unknown");
  assertOneLine(await cli(["show", "crash"]), 2, /^mqlab: unknown scenario or incident "crash" \(did you mean: .*broker-crash/, "suggestions");
  assertOneLine(await cli(["show", "1m/broker-crash", "--deployer", "container"]), 2, /^mqlab: --deployer for show is sim or process, got "container"$/, "deployer");
  assertOneLine(await cli(["show"]), 2, /^mqlab show: missing required argument 'scenario' \(usage: mqlab show /, "no argument");
});

test("new writes a starter file (exit 0), refuses to overwrite without --force, refuses a bad name", async () => {
  const target = join(dir, "mine.yaml");
  const written = await cli(["new", "team/mine", "--out", target]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout, `wrote ${target}\nrun it: npx mqlab run ${target}\n`);
  assert.equal((parse(readFileSync(target, "utf8")) as { name: string }).name, "team/mine");
  assertOneLine(await cli(["new", "team/mine", "--out", target]), 2, /^mqlab: .*mine\.yaml exists \(use --force to overwrite\)$/, "exists");
  writeFileSync(target, "old");
  assert.equal((await cli(["new", "team/mine", "--out", target, "--force"])).code, 0);
  assert.notEqual(readFileSync(target, "utf8"), "old");
  assertOneLine(await cli(["new", "../escape", "--out", join(dir, "x.yaml")]), 2, /^mqlab: scenario name "\.\.\/escape" may hold letters, digits/, "bad name");
  assert.equal(existsSync(join(dir, "x.yaml")), false);
  assertOneLine(await cli(["new", "a", "--bogus"]), 2, /^mqlab new: unknown option '--bogus'/, "unknown option");
});
