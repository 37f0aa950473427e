// The command driver: templates filled from the fault and the driver config's nodes, faults
// without a template or with a placeholder nothing fills refused up front, commands really run
// (inject and heal) with node events reported, a failing command failing with its stderr.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CommandFaultDriver, fillTemplate, templateValues } from "./command_driver.ts";
import type { DriverConfig } from "./fault_driver.ts";

const nodes = { "broker-a": { address: "10.0.0.1:10911" }, "producer-1": { host: "app-1" } };

test("templates are filled from the fault and the node config", () => {
  const config: DriverConfig = { nodes };
  const crash = templateValues(config, { kind: "crash", target: "broker-a" }, 3);
  assert.deepEqual(fillTemplate("ssh {host} sudo systemctl kill -s KILL rocketmq-{node} # {faultIndex} {port}", crash), { command: "ssh 10.0.0.1 sudo systemctl kill -s KILL rocketmq-broker-a # 3 10911" });
  const firewall = templateValues(config, { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" }, 0);
  assert.deepEqual(fillTemplate("ssh {targetHost} iptables -A INPUT -s {sourceHost} -p tcp --dport {targetPort} -j {mode}", firewall), { command: "ssh 10.0.0.1 iptables -A INPUT -s app-1 -p tcp --dport 10911 -j drop" });
  assert.deepEqual(fillTemplate("{host} {nope}", { host: "h" }), { missing: ["nope"] });
});

test("what has no template, or a template nothing fills, is refused", () => {
  const driver = new CommandFaultDriver({ nodes, commands: { crash: { inject: "ssh {host} kill", heal: "ssh {host} start" }, pause: { inject: "echo {offsetMs}" } } }, () => {});
  assert.deepEqual(driver.supports({ kind: "crash", target: "broker-a" }), { supported: true });
  const noTemplate = driver.supports({ kind: "disk-full", target: "broker-a" });
  assert.ok(!noTemplate.supported && /no command template for "disk-full".*templates for: crash, pause/.test(noTemplate.why));
  const unknownNode = driver.supports({ kind: "crash", target: "broker-z" });
  assert.ok(!unknownNode.supported && /needs \{host\}/.test(unknownNode.why));
  const unfillable = driver.supports({ kind: "pause", target: "broker-a" });
  assert.ok(!unfillable.supported && /needs \{offsetMs\}/.test(unfillable.why));
});

test("inject and heal run their commands and report the node going down and back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-command-driver-"));
  try {
    const log = join(dir, "log");
    const events: string[] = [];
    const driver = new CommandFaultDriver({ nodes, commands: { crash: { inject: `echo kill {node} >> ${log}`, heal: `echo start {node} >> ${log}` }, "disk-full": { inject: "echo nope >&2; exit 3" } } }, (node, event) => events.push(`${node}:${event}`));
    await driver.inject({ kind: "crash", target: "broker-a" }, 0);
    await driver.heal({ kind: "crash", target: "broker-a" }, 0);
    assert.equal(readFileSync(log, "utf8"), "kill broker-a\nstart broker-a\n");
    assert.deepEqual(events, ["broker-a:crash", "broker-a:restart"]);
    await assert.rejects(driver.inject({ kind: "disk-full", target: "broker-a" }, 1), /`echo nope >&2; exit 3` failed: nope/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
