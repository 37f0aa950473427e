// `mqlab check <property>` in-process through the CLI boundary: 0 when the property held for
// every generated run, 1 with the shrunk counterexample, its run directory and the replay
// command when a (deliberately broken) broker breaks it, 2 with one line for every misuse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerCheckCommand } from "./check_command.ts";
import { assertOneLine, runCommand } from "./testing/in_process_cli.ts";

const dir = mkdtempSync(join(tmpdir(), "mqlab-check-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const cli = (args: readonly string[]): ReturnType<typeof runCommand> => runCommand(registerCheckCommand, args);

test("misuse → one line, exit 2: property, topology, runs, seed, broken switch, swarm-only property", { timeout: 20_000 }, async () => {
  const cases: { name: string; args: string[]; says: RegExp }[] = [
    { name: "unknown property", args: ["check", "nope"], says: /^mqlab check: unknown property "nope" \(known: no-acked-loss, / },
    { name: "unknown topology", args: ["check", "no-acked-loss", "--topology", "9m"], says: /^mqlab check: unknown topology "9m" \(known: 1m, / },
    { name: "runs not a number", args: ["check", "no-acked-loss", "--runs", "many"], says: /^mqlab check: option '--runs <n>' argument 'many' is invalid\. not a positive integer: many/ },
    { name: "runs zero", args: ["check", "no-acked-loss", "--runs", "0"], says: /not a positive integer: 0/ },
    { name: "seed too big", args: ["check", "no-acked-loss", "--seed", "99999999999"], says: /not a 32-bit integer: 99999999999/ },
    { name: "unknown broken switch", args: ["check", "no-acked-loss", "--broken", "nope"], says: /^mqlab check: unknown --broken switch "nope"/ },
    { name: "swarm-only property", args: ["check", "bounded-duplicates"], says: /^mqlab check: property bounded-duplicates needs generated configurations: add --swarm$/ },
    { name: "missing property", args: ["check"], says: /^mqlab check: missing required argument 'property'/ },
  ];
  for (const c of cases) assertOneLine(await cli(c.args), 2, c.says, c.name);
});

test("a property that holds → 0 with PASS; a broken broker → 1 with the counterexample and replay", { timeout: 120_000 }, async () => {
  const held = await cli(["check", "no-acked-loss", "--topology", "1m", "--runs", "1", "--seed", "1", "--out", join(dir, "pass")]);
  assert.equal(held.code, 0, held.stdout + held.stderr);
  assert.match(held.stdout, /^PASS {2}no-acked-loss on 1m \(fast-check seed 1\): held for 1 generated runs/);
  const broken = await cli(["check", "no-acked-loss", "--topology", "1m", "--runs", "3", "--seed", "1", "--shrink-runs", "1", "--broken", "dropEveryNthSend=2", "--out", join(dir, "fail")]);
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.match(broken.stdout, /^FAIL {2}no-acked-loss on 1m \(fast-check seed 1, broken broker \{"dropEveryNthSend":2\}\): counterexample after/);
  assert.match(broken.stdout, /\nreplay: {8}npx mqlab replay /);
  assert.ok(existsSync(join(dir, "fail", "result.json")));
});
