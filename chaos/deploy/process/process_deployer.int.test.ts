// The process deployer end to end with stand-in servers (tiny echo servers on each node's
// address) and a stand-in workload: bring-up, workload history through workers, network
// faults as real packet filter rules, crash/restart, pause/resume, refusals, and a teardown
// that leaves nothing behind. The real mqnamesrv/mqbroker run in topologies.int.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UnsupportedFaultError } from "../../faults/types.ts";
import { MemoryHistory } from "../../history/types.ts";
import { planCluster } from "../../plan.ts";
import type { Scenario } from "../../scenario.ts";
import type { NodeAddress } from "../address_plan.ts";
import { netnsSupport } from "../wall_cluster/host_commands.ts";
import { listNetns } from "./netns.ts";
import { ProcessDeployer } from "./process_deployer.ts";
import { runProcesses } from "./run_state.ts";

const support = await netnsSupport();
const needNetns = support.available ? false : `needs a network namespace with nftables: ${support.why}`;
const fakeWorkload = fileURLToPath(new URL("../testing/fake_workload.ts", import.meta.url));

const echoServer = (node: NodeAddress): string[] => [
  process.execPath, "-e", `require("net").createServer((s) => s.on("data", (d) => s.write(d))).listen(${node.port}, "${node.ip}")`,
];

const scenario: Scenario = {
  name: "test/process-deployer", description: "", topology: "2m-2s-sync",
  workload: { topics: [{ name: "T", queues: 4 }], producers: [{ count: 1, topic: "T" }], consumers: [{ group: "g", topic: "T", count: 1 }] },
  faults: [], durationMs: 1_000, quiesceMs: 0, expectations: { checkers: [] },
};

function deployer(mode: "netns" | "host"): Promise<ProcessDeployer> {
  return ProcessDeployer.create({
    mode, readyTimeoutMs: 10_000, stopTimeoutMs: 2_000, workloadModule: fakeWorkload,
    commands: { namesrv: echoServer, broker: echoServer },
    ...(mode === "host" ? { addresses: { ipPrefix: "127.77" } } : {}),
  });
}

test("netns mode: bring-up, workload history, real firewall, crash/restart, pause, teardown leaves nothing", { skip: needNetns, timeout: 60_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-process-test-"));
  const history = new MemoryHistory();
  const cluster = await (await deployer("netns")).deployProcesses(planCluster(scenario, 1), { outDir, history });
  try {
    console.log(`stand-in 2m-2s-sync bring-up: ${JSON.stringify(cluster.times)}`);
    assert.equal(cluster.namesrvAddr(), "127.0.1.1:9876;127.0.1.2:9877");
    assert.deepEqual(cluster.nodes().map((node) => `${node.name}@${node.address}`), [
      // start order: masters, then slaves (a slave learns its master from the registration reply)
      "namesrv-1@127.0.1.1:9876", "namesrv-2@127.0.1.2:9877", "broker-a@127.0.2.1:10911", "broker-b@127.0.2.3:10931", "broker-a-s@127.0.2.2:10921", "broker-b-s@127.0.2.4:10941",
    ]);
    assert.ok((await listNetns()).includes(`mqlab-${cluster.runId}`));

    await cluster.startWorkload(scenario.workload, history);
    await cluster.advanceTo(cluster.nowMs() + 300);
    const producer = cluster.addresses.get("producer-1");
    assert.deepEqual([producer.ip, cluster.addresses.get("consumer-g-1").ip], ["127.0.3.1", "127.0.3.2"], "clients numbered producers first");
    const probe = (target: string, timeoutMs = 800) => {
      const node = cluster.addresses.get(target);
      return cluster.probe({ host: node.ip, port: node.port ?? 0, localAddress: producer.ip, timeoutMs });
    };

    const firewall = { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "one-way" } as const;
    await cluster.inject(firewall, 0);
    assert.equal((await probe("broker-a")).code, "ETIMEDOUT", "the broker port is unreachable from the producer");
    assert.ok((await probe("namesrv-1")).ok, "the NameServer still answers");
    assert.ok((await probe("broker-b")).ok, "the other broker still answers");
    await cluster.heal(firewall, 0);
    assert.ok((await probe("broker-a")).ok, "healed");

    await cluster.inject({ kind: "partition", shape: "isolate", target: "broker-b" }, 1);
    assert.equal((await probe("broker-b")).code, "ETIMEDOUT");
    await cluster.heal({ kind: "partition", shape: "isolate", target: "broker-b" }, 1);
    assert.ok((await probe("broker-b")).ok);

    await cluster.inject({ kind: "crash", target: "broker-a" }, 2);
    assert.equal(cluster.nodes().find((node) => node.name === "broker-a")?.alive, false);
    assert.equal((await probe("broker-a")).code, "ECONNREFUSED");
    await cluster.heal({ kind: "crash", target: "broker-a" }, 2);
    assert.ok((await probe("broker-a")).ok, "restarted");

    await cluster.inject({ kind: "pause", target: "broker-b" }, 3);
    assert.equal((await cluster.probe({ host: "127.0.2.3", port: 10931, localAddress: producer.ip, timeoutMs: 400, expectEcho: true })).code, "NOREPLY");
    await cluster.heal({ kind: "pause", target: "broker-b" }, 3);

    await assert.rejects(cluster.inject({ kind: "power-loss", target: "broker-a" }, 4), UnsupportedFaultError);

    // Delay through the relay: 300 ms each way on the producer's connections to broker-a only.
    const flow = { kind: "flow", source: "producer-1", target: "broker-a", delayMs: 300, jitterMs: 0, lossPercent: 0, direction: "both" } as const;
    const echo = (localAddress: string) => cluster.probe({ host: "127.0.2.1", port: 10911, localAddress, timeoutMs: 3_000, expectEcho: true });
    await cluster.inject(flow, 5);
    const delayed = await echo(producer.ip);
    assert.ok(delayed.ok && delayed.elapsedMs >= 550, `round trip through the relay took ${delayed.elapsedMs} ms`);
    assert.ok((await echo("127.0.3.9")).elapsedMs < 200, "other sources are not delayed");
    await cluster.heal(flow, 5);
    assert.ok((await echo(producer.ip)).elapsedMs < 200, "healed");

    await cluster.stopProducers();
    const sendsAtStop = history.events.filter((event) => event.type === "invoke").length;
    await cluster.advanceTo(cluster.nowMs() + 200);
    assert.equal(history.events.filter((event) => event.type === "invoke").length, sendsAtStop, "no sends after stopProducers");
    assert.ok(sendsAtStop > 3, `producer sent ${sendsAtStop}`);
  } finally {
    await cluster.teardown();
  }
  const invokes = history.events.flatMap((event) => (event.type === "invoke" ? [event] : []));
  const oks = history.events.flatMap((event) => (event.type === "ok" && event.op === "send" ? [event] : []));
  assert.deepEqual(invokes.map((event) => event.opId), oks.map((event) => event.opId), "outcomes carry their invoke's run-wide id");
  assert.equal(new Set(invokes.map((event) => event.opId)).size, invokes.length);
  assert.deepEqual(history.events.filter((event) => event.type === "membership").map((event) => event.change), ["join", "leave"]);
  const nodeEvents = history.events.filter((event) => event.type === "node").map((event) => `${event.node}:${event.event}`);
  for (const expected of ["broker-a:crash", "broker-a:restart", "broker-b:pause", "broker-b:resume", "producer-1:stop", "namesrv-1:stop"]) assert.ok(nodeEvents.includes(expected), expected);
  assert.ok(!(await listNetns()).includes(`mqlab-${cluster.runId}`), "namespace gone");
  assert.deepEqual(runProcesses(cluster.runId), [], "no process left");
  assert.ok(existsSync(join(outDir, "nodes", "broker-a.conf")));
  rmSync(outDir, { recursive: true, force: true });
});

test("host mode: processes on their own loopback addresses and ports of their own; pause works; network faults refused, never faked", { timeout: 60_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-process-test-"));
  const host = await deployer("host");
  assert.equal(host.supports("firewall").supported, false);
  assert.equal(host.supports("crash").supported, true);
  assert.match((host.supports("clock-skew") as { why: string }).why, /one host clock/);
  const cluster = await host.deployProcesses(planCluster({ ...scenario, topology: "1m" }, 1), { outDir, history: new MemoryHistory() });
  try {
    // Host mode draws the run's ports from a block of its own (base + 1 is the block's "9876").
    const block = cluster.portBlock;
    assert.ok(block?.held, "host mode holds a port block for the run");
    assert.equal(cluster.namesrvAddr(), `127.77.1.1:${block.basePort + 1}`);
    assert.equal(cluster.addresses.get("broker-a").port, block.basePort + 11);
    await assert.rejects(cluster.inject({ kind: "firewall", source: "broker-a", target: "namesrv-1", port: "namesrv", mode: "drop", direction: "both" }, 0), /network namespace/);
    await cluster.inject({ kind: "namesrv-all-down" }, 1);
    assert.equal(cluster.nodes().find((node) => node.name === "namesrv-1")?.alive, false);
    await cluster.heal({ kind: "namesrv-all-down" }, 1);
    assert.equal(cluster.nodes().find((node) => node.name === "namesrv-1")?.alive, true);
    // Pause needs no namespace: SIGSTOP'd, the broker's kernel still accepts but the process cannot answer.
    const broker = cluster.addresses.get("broker-a");
    const echo = (timeoutMs: number) => cluster.probe({ host: broker.ip, port: broker.port ?? 0, timeoutMs, expectEcho: true });
    assert.ok((await echo(3_000)).ok);
    await cluster.inject({ kind: "pause", target: "broker-a" }, 2);
    assert.equal((await echo(500)).code, "NOREPLY");
    await cluster.heal({ kind: "pause", target: "broker-a" }, 2);
    assert.ok((await echo(3_000)).ok, "answers again after SIGCONT");
  } finally {
    await cluster.teardown();
  }
  assert.equal(cluster.portBlock?.held, false, "teardown lets the port block go");
  assert.deepEqual(runProcesses(cluster.runId), []);
  rmSync(outDir, { recursive: true, force: true });
});
