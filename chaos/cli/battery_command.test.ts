// `mqlab battery` argument parsing in-process through the CLI boundary: every bad option is one
// line on stderr and exit 2 before any run starts (battery.test.ts covers the runs and exit 1).
import { test } from "node:test";
import { registerBatteryCommand } from "./battery_command.ts";
import { assertOneLine, runCommand } from "./testing/in_process_cli.ts";

test("battery misuse → one line, exit 2", { timeout: 20_000 }, async () => {
  const cases: { name: string; args: string[]; says: RegExp }[] = [
    { name: "no budget", args: [], says: /^mqlab battery: --budget <seconds> is required$/ },
    { name: "budget not a number", args: ["--budget", "ten"], says: /^mqlab battery: --budget wants a positive integer, got "ten"$/ },
    { name: "budget zero", args: ["--budget", "0"], says: /^mqlab battery: --budget wants a positive integer, got "0"$/ },
    { name: "seed negative", args: ["--budget", "10", "--seed", "-1"], says: /^mqlab battery: --seed wants an integer in 0\.\.2147483647, got "-1"$/ },
    { name: "seed too big", args: ["--budget", "10", "--seed", "2147483648"], says: /^mqlab battery: --seed wants an integer in 0\.\.2147483647, got "2147483648"$/ },
    { name: "deployer", args: ["--budget", "10", "--deployer", "process"], says: /^mqlab battery: --deployer process: swarm runs need the simulator .*only sim is supported\)$/ },
    { name: "broken switch", args: ["--budget", "10", "--broken", "nope"], says: /^mqlab battery: unknown --broken switch "nope"/ },
    { name: "runs", args: ["--budget", "10", "--runs", "1.5"], says: /^mqlab battery: --runs wants a positive integer, got "1\.5"$/ },
    { name: "from", args: ["--budget", "10", "--from", "-3"], says: /^mqlab battery: --from wants a swarm run number \(0 or more\), got "-3"$/ },
    { name: "threads", args: ["--budget", "10", "--threads", "0"], says: /^mqlab battery: --threads wants a positive integer, got "0"$/ },
    { name: "shrink runs", args: ["--budget", "10", "--shrink-runs", "x"], says: /^mqlab battery: --shrink-runs wants a positive integer, got "x"$/ },
    { name: "unknown option", args: ["--budget", "10", "--frobnicate"], says: /^mqlab battery: unknown option '--frobnicate' \(usage: mqlab battery \[options\]/ },
    { name: "stray argument", args: ["extra"], says: /^mqlab battery: too many arguments/ },
  ];
  for (const c of cases) assertOneLine(await runCommand(registerBatteryCommand, ["battery", ...c.args]), 2, c.says, c.name);
});
