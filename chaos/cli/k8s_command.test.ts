// `mqlab k8s render` in-process through the CLI boundary: a built-in scenario renders to
// schema-valid manifests (exit 0, cluster.yaml + faults/); an unknown scenario, an incident file
// and a malformed scenario file are one line on stderr and exit 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerK8sCommand } from "./k8s_command.ts";
import { registerScenarioFileCommands } from "./scenario_file_commands.ts";
import { assertOneLine, runCommand } from "./testing/in_process_cli.ts";

const dir = mkdtempSync(join(tmpdir(), "mqlab-k8s-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const cli = (args: readonly string[]): ReturnType<typeof runCommand> => runCommand(registerK8sCommand, args);

test("render writes cluster.yaml and one file per fault (exit 0)", async () => {
  const out = join(dir, "rendered");
  const rendered = await cli(["k8s", "render", "1m/broker-crash", "--out", out, "--namespace", "lab"]);
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.match(rendered.stdout, /^wrote \d+ objects to .*cluster\.yaml and 1 Chaos Mesh resources to .*faults\/ \(schema-valid\)\n$/);
  assert.ok(existsSync(join(out, "cluster.yaml")));
  assert.equal(readdirSync(join(out, "faults")).length, 1);
});

test("render misuse: unknown scenario, an incident file, a malformed file, no subcommand → one line, exit 2", async () => {
  assertOneLine(await cli(["k8s", "render", "nope/nope"]), 2, /^mqlab: unknown scenario "nope\/nope"/, "unknown");
  const incident = await runCommand(registerScenarioFileCommands, ["show", "incident/broker-busy"]);
  assert.equal(incident.code, 0);
  writeFileSync(join(dir, "incident.yaml"), incident.stdout);
  assertOneLine(await cli(["k8s", "render", join(dir, "incident.yaml")]), 2, /^mqlab: .*incident\.yaml is an incident: render one phase/, "incident");
  writeFileSync(join(dir, "broken.yaml"), "name: [unclosed\n");
  assertOneLine(await cli(["k8s", "render", join(dir, "broken.yaml")]), 2, /^mqlab: .*broken\.yaml/, "malformed");
  assertOneLine(await cli(["k8s", "frobnicate"]), 2, /^mqlab k8s: unknown command 'frobnicate'/, "unknown subcommand");
});
