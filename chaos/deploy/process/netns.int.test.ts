// Real packet filtering inside a run's own network namespace: a DROP rule makes the broker's
// port unreachable from the producer's address while the NameServer still answers, REJECT
// refuses at once, heal restores; a SIGSTOP'd node stops answering and resumes; clean-up leaves
// nothing behind. Needs root, `ip netns` and nftables: skipped otherwise.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressPlan } from "../address_plan.ts";
import { AgentClient } from "./agent_client.ts";
import { netnsSupport } from "../wall_cluster/host_commands.ts";
import { listNetns, NetNamespace } from "./netns.ts";
import { NodeProcess } from "../wall_cluster/node_process.ts";
import { faultPacketRules, renderNftRules } from "../wall_cluster/packet_rules.ts";
import { newRunId, RunDir, runIdVariable, runProcesses } from "./run_state.ts";

const support = await netnsSupport();
const skip = support.available ? false : `needs a network namespace with nftables: ${support.why}`;

const echoServer = (host: string, port: number): string[] => [
  process.execPath, "-e",
  `require("net").createServer((s) => s.on("data", (d) => s.write(d))).listen(${port}, "${host}")`,
];

const plan = new AddressPlan(["namesrv-1"], ["broker-a"]);
plan.addClient("producer-1", "producer");
const runId = newRunId();
const runDir = new RunDir(runId);
let namespace: NetNamespace;
let agent: AgentClient;
const servers: NodeProcess[] = [];

function startServer(name: string): NodeProcess {
  const node = plan.get(name);
  const server = new NodeProcess(name, {
    argv: namespace.execPrefix(echoServer(node.ip, node.port ?? 0)),
    env: { ...process.env, [runIdVariable]: runId },
    cwd: tmpdir(),
    logPath: join(runDir.nodeDir(name), "out.log"),
  });
  server.start();
  servers.push(server);
  return server;
}

const fromProducer = (name: string, options: { timeoutMs?: number; expectEcho?: boolean } = {}) =>
  agent.probe({ host: plan.get(name).ip, port: plan.get(name).port ?? 0, localAddress: plan.get("producer-1").ip, timeoutMs: options.timeoutMs ?? 1_000, ...(options.expectEcho ? { expectEcho: true } : {}) });

before(async () => {
  if (skip) return;
  runDir.create(`mqlab-${runId}`);
  namespace = await NetNamespace.create(`mqlab-${runId}`);
  agent = await AgentClient.start(namespace.execPrefix([]), { ...process.env, [runIdVariable]: runId }, runDir.path("agent.log"), tmpdir());
  startServer("namesrv-1");
  startServer("broker-a");
  for (const name of ["namesrv-1", "broker-a"]) {
    for (let attempt = 0; attempt < 100 && !(await fromProducer(name)).ok; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

after(async () => {
  if (skip) return;
  for (const server of servers) await server.stop(2_000);
  await agent.stop();
  await namespace.destroy();
  runDir.remove();
  assert.ok(!(await listNetns()).includes(namespace.name), "namespace removed");
  assert.deepEqual(runProcesses(runId), [], "no process of the run survives");
});

test("DROP: the broker port times out from the producer's address, the NameServer answers; heal restores", { skip }, async () => {
  assert.ok((await fromProducer("broker-a")).ok);
  const rules = faultPacketRules({ kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "one-way" }, plan) ?? [];
  await namespace.addRules(renderNftRules(rules, "mqlab-fault-0"));
  const dropped = await fromProducer("broker-a");
  assert.equal(dropped.code, "ETIMEDOUT");
  assert.ok(dropped.elapsedMs >= 900);
  assert.ok((await fromProducer("namesrv-1")).ok, "the NameServer is still reachable");
  assert.ok((await agent.probe({ host: plan.get("broker-a").ip, port: 10911, localAddress: "127.0.3.9", timeoutMs: 1_000 })).ok, "other clients are not affected");
  assert.equal(await namespace.deleteRules("mqlab-fault-0"), 2);
  assert.ok((await fromProducer("broker-a")).ok, "healed");
});

test("REJECT refuses at once; heal restores", { skip }, async () => {
  const rules = faultPacketRules({ kind: "firewall", source: "producer-1", target: "broker-a", port: "any", mode: "reject", direction: "both" }, plan) ?? [];
  await namespace.addRules(renderNftRules(rules, "mqlab-fault-1"));
  const refused = await fromProducer("broker-a", { timeoutMs: 2_000 });
  assert.equal(refused.code, "ECONNREFUSED");
  assert.ok(refused.elapsedMs < 500, `refused after ${refused.elapsedMs} ms`);
  await namespace.deleteRules("mqlab-fault-1");
  assert.ok((await fromProducer("broker-a")).ok);
});

test("SIGSTOP: the node stops answering; SIGCONT: it answers again", { skip }, async () => {
  const broker = servers[1];
  assert.ok(broker);
  assert.ok((await fromProducer("broker-a", { expectEcho: true })).ok);
  broker.pause();
  assert.equal((await fromProducer("broker-a", { expectEcho: true, timeoutMs: 500 })).code, "NOREPLY");
  broker.resume();
  assert.ok((await fromProducer("broker-a", { expectEcho: true })).ok);
});
