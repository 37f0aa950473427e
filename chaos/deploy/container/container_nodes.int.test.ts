// Containers for real, without the message queue: the image builds (and is cached), a node on
// the run network keeps its store volume across crash and restart, pause silences it, a
// firewall fault turns into nftables rules in the sending container's namespace that stop real
// packets until heal, and clean-up leaves no container, network or volume behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressPlan } from "../address_plan.ts";
import { faultPacketRules } from "../wall_cluster/packet_rules.ts";
import { cleanContainerLeftovers, listLeftovers, runLabel } from "./cleanup.ts";
import { connectEngine } from "./engine.ts";
import { ensureNodeImage, imageInputs } from "./image.ts";
import { NodeContainer } from "./node_container.ts";
import { ContainerPacketFilter } from "./packet_filter.ts";
import { createRunNetwork } from "./run_network.ts";
import { containerTestsSkip } from "./testing/skip.ts";
import { hello, helloAfterRestart } from "./testing/tcp_hello.ts";

const skip = await containerTestsSkip();

// A server that counts its starts in /store (the volume) and answers "hello <starts>".
const server = (port: number): string =>
  `const fs=require("fs");let n=0;try{n=+fs.readFileSync("/store/n","utf8")}catch{}fs.writeFileSync("/store/n",String(n+1));` +
  `require("net").createServer(s=>{s.on("error",()=>{});s.end("hello "+n+"\\n")}).listen(${port},()=>console.log("READY "+n));`;

// A client that tries both servers every 150 ms and prints "<name> ok" / "<name> fail <code>".
const prober = (targets: { name: string; ip: string; port: number }[]): string =>
  `const net=require("net");const t=${JSON.stringify(targets)};console.log("READY");` +
  `setInterval(()=>{for(const x of t){const s=net.connect(x.port,x.ip);const timer=setTimeout(()=>{s.destroy();console.log(x.name+" fail TIMEOUT")},400);` +
  `s.on("data",()=>{clearTimeout(timer);console.log(x.name+" ok");s.destroy()});s.on("error",e=>{clearTimeout(timer);console.log(x.name+" fail "+e.code)})}},150);`;


function dockerLines(args: string[]): string[] {
  return execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter((line) => line.trim() !== "");
}

test("container nodes: image, volume across crash, pause, firewall in the namespace, clean-up", { skip, timeout: 300_000 }, async () => {
  const engine = await connectEngine();
  // One file list for both calls: others may be editing the tree while this runs.
  const inputs = await imageInputs();
  const image = await ensureNodeImage(engine, inputs);
  assert.match(image.tag, /^mqlab-node:[0-9a-f]{16}$/);
  assert.ok(image.sizeBytes < 250e6, `image of ${image.sizeBytes} bytes`);
  const again = await ensureNodeImage(engine, inputs);
  assert.equal(again.tag, image.tag);
  assert.equal(again.built, false, "an unchanged tree reuses the image");

  const runId = `t${Date.now().toString(36)}`;
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-container-test-"));
  const lines: string[] = [];
  const output = { stdoutLine: (_node: string, line: string) => void lines.push(line) };
  try {
    const network = await createRunNetwork(engine, runId);
    const plan = new AddressPlan(["namesrv-1"], ["broker-a"], { ipPrefix: network.ipPrefix });
    const client = plan.addClient("producer-1", "producer");
    const namesrv = plan.get("namesrv-1");
    const broker = plan.get("broker-a");
    const nodes = [
      new NodeContainer(engine, { name: "namesrv-1", role: "namesrv", ip: namesrv.ip, args: ["-e", server(namesrv.port ?? 0)], volumePath: "/store", readyLine: /^READY/ }, output, outDir),
      new NodeContainer(engine, { name: "broker-a", role: "broker", ip: broker.ip, args: ["-e", server(broker.port ?? 0)], volumePath: "/store", readyLine: /^READY/ }, output, outDir),
      new NodeContainer(engine, {
        name: "producer-1", role: "producer", ip: client.ip, readyLine: /^READY/,
        args: ["-e", prober([{ name: "namesrv", ip: namesrv.ip, port: namesrv.port ?? 0 }, { name: "broker", ip: broker.ip, port: broker.port ?? 0 }])],
      }, output, outDir),
    ];
    const [namesrvNode, brokerNode, clientNode] = nodes as [NodeContainer, NodeContainer, NodeContainer];
    await Promise.all(nodes.map((node) => node.start(image.tag, network, runId)));
    assert.equal(await hello(broker.ip, broker.port ?? 0), "hello 0", "the host reaches a container at its fixed address");

    // Crash = SIGKILL; restart = the same container on the same volume and address.
    await brokerNode.kill();
    await assert.rejects(hello(broker.ip, broker.port ?? 0));
    await brokerNode.restart();
    assert.equal(await helloAfterRestart(broker.ip, broker.port ?? 0), "hello 1", "the store volume survived the crash");

    // Pause freezes the process: connections are accepted by nobody.
    await brokerNode.pause();
    await assert.rejects(hello(broker.ip, broker.port ?? 0), /timeout/);
    await brokerNode.resume();
    assert.equal(await hello(broker.ip, broker.port ?? 0), "hello 1");

    // Firewall: producer-1 → broker-a on the broker port is rejected; namesrv still answers.
    const filter = new ContainerPacketFilter(() => nodes.map((node) => ({ name: node.spec.name, ip: node.spec.ip, hostPid: () => node.hostPid() })));
    const fault = { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "reject", direction: "one-way" } as const;
    await filter.add(0, faultPacketRules(fault, plan) ?? []);
    assert.match(await ContainerPacketFilter.listTable(await clientNode.hostPid()), /fault-0/);
    await clientNode.waitLine(/^broker fail ECONNREFUSED/, 3_000);
    await clientNode.waitLine(/^namesrv ok/, 3_000);
    assert.equal(await hello(broker.ip, broker.port ?? 0), "hello 1", "the host is not cut: only the named pair is");

    // The rules live in the client's namespace: a crashed and restarted client gets them back.
    await clientNode.kill();
    await clientNode.restart();
    await filter.sync({ name: "producer-1", ip: client.ip, hostPid: () => clientNode.hostPid() });
    await clientNode.waitLine(/^broker fail ECONNREFUSED/, 3_000);

    await filter.remove(0);
    await clientNode.waitLine(/^broker ok/, 3_000);
    assert.doesNotMatch(await ContainerPacketFilter.listTable(await clientNode.hostPid()), /fault-0/);

    // A paused container's namespace still takes rules (nsenter needs no running process).
    await namesrvNode.pause();
    await filter.add(1, faultPacketRules({ kind: "partition", shape: "isolate", target: "namesrv-1" }, plan) ?? []);
    await namesrvNode.resume();
    await clientNode.waitLine(/^namesrv fail TIMEOUT/, 3_000);
    await filter.remove(1);
    await clientNode.waitLine(/^namesrv ok/, 3_000);

    const before = await listLeftovers(engine, runId);
    assert.equal(before.containers.length, 3);
    assert.deepEqual(before.networks, [`mqlab-${runId}`]);
    assert.equal(before.volumes.length, 2);
    await Promise.all(nodes.map((node) => node.closeLog()));
  } finally {
    const removed = await cleanContainerLeftovers(runId);
    rmSync(outDir, { recursive: true, force: true });
    assert.deepEqual(removed, { containers: 3, networks: 1, volumes: 2 });
  }
  // As a person would check it, with the docker CLI.
  assert.deepEqual(dockerLines(["ps", "-a", "--filter", `label=${runLabel}=${runId}`, "--format", "{{.Names}}"]), []);
  assert.deepEqual(dockerLines(["network", "ls", "--filter", `label=${runLabel}=${runId}`, "--format", "{{.Name}}"]), []);
  assert.deepEqual(dockerLines(["volume", "ls", "--filter", `label=${runLabel}=${runId}`, "--format", "{{.Name}}"]), []);
  assert.ok(lines.includes("READY 1"), "stdout lines reach the caller");
});
