// The container deployer's decisions that need no engine: which faults it gives and why it
// refuses the others, which engine counts as remote, the nft table a node gets, and what goes
// into the image.
import { test } from "node:test";
import assert from "node:assert/strict";
import { allFaultKinds } from "../../faults/types.ts";
import { containerFaultSupport, remoteEngineConfigured } from "./container_deployer.ts";
import { imageFiles, imageNodePath, projectRoot, runtimePackageDirs } from "./image.ts";
import { tableScript } from "./packet_filter.ts";

test("fault support: real faults given, the others refused with a reason", () => {
  const given = allFaultKinds.filter((kind) => containerFaultSupport(kind, false).supported);
  assert.deepEqual(given, ["crash", "pause", "firewall", "heartbeat-loss", "partition", "flow", "namesrv-all-down"]);
  for (const kind of ["power-loss", "connection-reset", "clock-skew", "slow-disk", "disk-full"] as const) {
    const support = containerFaultSupport(kind, false);
    assert.equal(support.supported, false);
    assert.ok(!support.supported && support.why.length > 20, kind);
  }
  // A remote engine's namespaces cannot be entered from here: network faults are refused.
  for (const kind of ["firewall", "heartbeat-loss", "partition", "flow"] as const) {
    const support = containerFaultSupport(kind, true);
    assert.ok(!support.supported && /remote engine/.test(support.why), kind);
  }
  assert.equal(containerFaultSupport("crash", true).supported, true);
});

test("DOCKER_HOST: unix sockets are this machine, anything else is remote", () => {
  assert.equal(remoteEngineConfigured(undefined), false);
  assert.equal(remoteEngineConfigured(""), false);
  assert.equal(remoteEngineConfigured("unix:///var/run/docker.sock"), false);
  assert.equal(remoteEngineConfigured("tcp://build-box:2375"), true);
  assert.equal(remoteEngineConfigured("ssh://ci@build-box"), true);
});

test("a node's nft table is replaced whole, with each fault's rules tagged", () => {
  const script = tableScript([
    { faultIndex: 0, rules: [{ fromIp: "10.9.3.1", toIp: "10.9.2.1", ports: [10911], action: { kind: "reject" } }] },
    { faultIndex: 2, rules: [{ fromIp: "10.9.3.1", toIp: "10.9.1.1", action: { kind: "loss", percent: 30 } }] },
  ]);
  const lines = script.trim().split("\n");
  // Declaring the table first makes the delete safe when the table does not exist yet.
  assert.deepEqual(lines.slice(0, 2), ["table inet mqlab", "delete table inet mqlab"]);
  assert.match(script, /type filter hook output priority 0; policy accept;/);
  assert.match(script, /ip saddr 10\.9\.3\.1 ip daddr 10\.9\.2\.1 tcp dport \{ 10911 \}.* reject with tcp reset comment "fault-0"/);
  assert.match(script, /ip saddr 10\.9\.3\.1 ip daddr 10\.9\.2\.1 tcp sport \{ 10911 \}.* reject with tcp reset comment "fault-0"/);
  assert.match(script, /ip daddr 10\.9\.1\.1 numgen random mod 100 < 30 drop comment "fault-2"/);
  assert.equal(tableScript([]).trim().split("\n").filter((line) => line.startsWith("add rule")).length, 0, "no fault: an empty chain");
});

test("the image holds Node, its libraries, the project without tests, and only runtime packages", async () => {
  const dirs = runtimePackageDirs(projectRoot);
  for (const needed of ["node_modules/tsx", "node_modules/esbuild", "node_modules/pino", "node_modules/commander"]) assert.ok(dirs.includes(needed), needed);
  // testcontainers is a runtime dependency since the mqlab bin's container deployer loads it (npm ci --omit=dev must work).
  for (const devOnly of ["node_modules/typescript", "node_modules/eslint", "node_modules/c8", "node_modules/node"]) assert.ok(!dirs.includes(devOnly), devOnly);
  const files = await imageFiles();
  const targets = files.map((file) => file.target);
  assert.ok(targets.includes(imageNodePath));
  assert.ok(targets.some((target) => /\/libc\.so\.6$/.test(target)), "libc");
  assert.ok(targets.some((target) => /ld-linux/.test(target)), "the dynamic loader");
  assert.ok(targets.includes("/app/chaos/deploy/worker.ts"));
  assert.ok(targets.includes("/app/package.json"));
  // mqlab renders reports from reports/ (its bin cannot start without it); run output stays out.
  assert.ok(targets.includes("/app/reports/html.ts"), "reports/ code");
  assert.ok(!targets.some((target) => target.startsWith("/app/reports/out/")), "no run output");
  assert.ok(!targets.some((target) => target.endsWith(".test.ts")), "no tests");
  assert.equal(new Set(targets).size, targets.length, "each path once");
});
