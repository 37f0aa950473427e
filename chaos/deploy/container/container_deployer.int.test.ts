// The container deployer end to end with stand-in servers (tiny servers that print RocketMQ's
// boot line) and the process deployer's stand-in workload: bring-up on the run network,
// history through worker containers, network faults as real packet rules, crash/restart on
// the store volume, pause, refusals, and a teardown that leaves nothing behind. The real
// mqnamesrv/mqbroker run in topologies.int.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsupportedFaultError } from "../../faults/types.ts";
import { MemoryHistory } from "../../history/types.ts";
import { planCluster } from "../../plan.ts";
import type { Scenario } from "../../scenario.ts";
import type { NodeAddress } from "../address_plan.ts";
import { listLeftovers } from "./cleanup.ts";
import { ContainerDeployer } from "./container_deployer.ts";
import { connectEngine } from "./engine.ts";
import { execProbe } from "./testing/exec_probe.ts";
import { containerTestsSkip } from "./testing/skip.ts";
import { hello, helloAfterRestart } from "./testing/tcp_hello.ts";

const skip = await containerTestsSkip();

// Counts its starts in /store and answers "hello <starts>"; prints RocketMQ's boot line.
const standIn = (node: NodeAddress): string[] => ["-e",
  `const fs=require("fs");let n=0;try{n=+fs.readFileSync("/store/n","utf8")}catch{}fs.writeFileSync("/store/n",String(n+1));` +
  `require("net").createServer(s=>{s.on("error",()=>{});s.end("hello "+n+"\\n")}).listen(${node.port},"${node.ip}",()=>console.log("The stand-in ${node.name} boot success"));`];



const scenario: Scenario = {
  name: "test/container-deployer", description: "", topology: "1m",
  workload: { topics: [{ name: "T", queues: 4 }], producers: [{ count: 1, topic: "T" }], consumers: [{ group: "g", topic: "T", count: 1 }] },
  faults: [], durationMs: 1_000, quiesceMs: 0, expectations: { checkers: [] },
};

test("container deployer: bring-up, worker history, real firewall, crash/restart on the volume, pause, teardown leaves nothing", { skip, timeout: 300_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-container-test-"));
  const history = new MemoryHistory();
  const deployer = new ContainerDeployer({
    readyTimeoutMs: 60_000,
    commands: { namesrv: standIn, broker: standIn },
    workloadModule: "chaos/deploy/testing/fake_workload.ts",
  });
  assert.equal(deployer.supports("power-loss").supported, false);
  assert.equal(deployer.supports("crash").supported, true);
  const cluster = await deployer.deploy(planCluster(scenario, 1), { outDir, history });
  const engine = await connectEngine();
  try {
    console.log(`stand-in 1m bring-up: ${JSON.stringify(cluster.times)}`);
    const prefix = cluster.addresses.get("namesrv-1").ip.split(".").slice(0, 2).join(".");
    assert.equal(cluster.namesrvAddr(), `${prefix}.1.1:9876`);
    assert.deepEqual(cluster.nodes().map((node) => `${node.name}@${node.address}`), [`namesrv-1@${prefix}.1.1:9876`, `broker-a@${prefix}.2.1:10911`]);
    assert.match(readFileSync(join(outDir, "nodes", "broker-a.conf"), "utf8"), new RegExp(`brokerIP1=${prefix}.2.1`));

    await cluster.startWorkload(scenario.workload, history);
    await cluster.advanceTo(cluster.nowMs() + 500);
    const broker = cluster.addresses.get("broker-a");
    const namesrv = cluster.addresses.get("namesrv-1");
    const fromBroker = () => execProbe(engine, cluster.node("broker-a").id, namesrv.ip, namesrv.port ?? 0);

    const firewall = { kind: "firewall", source: "broker-a", target: "namesrv-1", port: "namesrv", mode: "reject", direction: "both" } as const;
    assert.ok((await fromBroker()).ok, "before the fault");
    await cluster.inject(firewall, 0);
    assert.equal((await fromBroker()).code, "ECONNREFUSED", "broker-a → namesrv-1 rejected in broker-a's namespace");
    assert.equal(await hello(namesrv.ip, namesrv.port ?? 0), "hello 0", "others still reach the NameServer");
    await cluster.heal(firewall, 0);
    assert.ok((await fromBroker()).ok, "healed");

    const drop = { kind: "partition", shape: "isolate", target: "namesrv-1" } as const;
    await cluster.inject(drop, 1);
    assert.equal((await fromBroker()).code, "TIMEOUT");
    await cluster.heal(drop, 1);
    assert.ok((await fromBroker()).ok);

    await cluster.inject({ kind: "crash", target: "broker-a" }, 2);
    assert.equal(cluster.nodes().find((node) => node.name === "broker-a")?.alive, false);
    await assert.rejects(hello(broker.ip, broker.port ?? 0));
    await cluster.heal({ kind: "crash", target: "broker-a" }, 2);
    assert.equal(await helloAfterRestart(broker.ip, broker.port ?? 0), "hello 1", "restarted on its store volume");

    await cluster.inject({ kind: "pause", target: "broker-a" }, 3);
    await assert.rejects(hello(broker.ip, broker.port ?? 0, 800), /timeout/);
    await cluster.heal({ kind: "pause", target: "broker-a" }, 3);
    assert.equal(await hello(broker.ip, broker.port ?? 0), "hello 1");

    await cluster.inject({ kind: "namesrv-all-down" }, 4);
    assert.equal(cluster.nodes().find((node) => node.name === "namesrv-1")?.alive, false);
    await cluster.heal({ kind: "namesrv-all-down" }, 4);
    assert.equal(await helloAfterRestart(namesrv.ip, namesrv.port ?? 0), "hello 1");

    await assert.rejects(cluster.inject({ kind: "power-loss", target: "broker-a" }, 5), UnsupportedFaultError);
    await assert.rejects(cluster.inject({ kind: "flow", source: "producer-1", target: "broker-a", delayMs: 100, jitterMs: 0, lossPercent: 0, direction: "one-way" }, 6), /netem/);

    await cluster.stopProducers();
    const sendsAtStop = history.events.filter((event) => event.type === "invoke").length;
    await cluster.advanceTo(cluster.nowMs() + 300);
    assert.equal(history.events.filter((event) => event.type === "invoke").length, sendsAtStop, "no sends after stopProducers");
    assert.ok(sendsAtStop > 3, `producer sent ${sendsAtStop}`);
  } finally {
    await cluster.teardown();
  }
  const invokes = history.events.flatMap((event) => (event.type === "invoke" ? [event] : []));
  const oks = history.events.flatMap((event) => (event.type === "ok" && event.op === "send" ? [event] : []));
  assert.deepEqual(invokes.map((event) => event.opId), oks.map((event) => event.opId), "outcomes carry their invoke's run-wide id");
  assert.deepEqual(history.events.filter((event) => event.type === "membership").map((event) => event.change), ["join", "leave"]);
  const nodeEvents = history.events.filter((event) => event.type === "node").map((event) => `${event.node}:${event.event}`);
  for (const expected of ["broker-a:crash", "broker-a:restart", "broker-a:pause", "broker-a:resume", "namesrv-1:crash", "producer-1:start", "producer-1:stop", "namesrv-1:stop"]) {
    assert.ok(nodeEvents.includes(expected), expected);
  }
  assert.deepEqual(await listLeftovers(engine, cluster.runId), { containers: [], networks: [], volumes: [] });
  assert.ok(existsSync(join(outDir, "nodes", "producer-1.log")));
  assert.ok(existsSync(join(outDir, "container-deploy.json")));
  rmSync(outDir, { recursive: true, force: true });
});

test("a failed bring-up removes what it created", { skip, timeout: 300_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-container-test-"));
  const deployer = new ContainerDeployer({ readyTimeoutMs: 20_000, commands: { namesrv: standIn, broker: () => ["-e", "process.exit(3)"] } });
  const failure = await deployer.deploy(planCluster(scenario, 1), { outDir, history: new MemoryHistory() }).then(() => undefined, (error: unknown) => error as Error);
  assert.match(failure?.message ?? "", /broker-a did not become ready \(its process exited\)/);
  const runId = /container run ([0-9a-f]+) /.exec(failure?.message ?? "")?.[1];
  assert.ok(runId, failure?.message);
  assert.deepEqual(await listLeftovers(await connectEngine(), runId), { containers: [], networks: [], volumes: [] });
  rmSync(outDir, { recursive: true, force: true });
});
