// Test fixture: a lab process that deploys a stand-in 2m-2s-sync cluster (tiny echo servers as
// NameServers and brokers), prints "ready <runId>" and waits to be interrupted or killed.
//   deploy_and_wait.ts <netns|host>
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryHistory } from "../../../history/types.ts";
import { planCluster } from "../../../plan.ts";
import type { NodeAddress } from "../../address_plan.ts";
import { ProcessDeployer } from "../process_deployer.ts";

const echoServer = (node: NodeAddress): string[] => [
  process.execPath, "-e", `require("net").createServer((s) => s.on("data", (d) => s.write(d))).listen(${node.port}, "${node.ip}")`,
];

const mode = process.argv[2] === "host" ? "host" : "netns";
const deployer = await ProcessDeployer.create({
  mode, commands: { namesrv: echoServer, broker: echoServer },
  ...(mode === "host" ? { addresses: { ipPrefix: "127.79" } } : {}),
});
const plan = planCluster({
  name: "test/interrupt", description: "", topology: "2m-2s-sync",
  workload: { topics: [], producers: [], consumers: [] }, faults: [], durationMs: 1, quiesceMs: 0, expectations: { checkers: [] },
}, 1);
const cluster = await deployer.deployProcesses(plan, { outDir: mkdtempSync(join(tmpdir(), "mqlab-interrupt-")), history: new MemoryHistory() });
process.stdout.write(`ready ${cluster.runId}\n`);
setInterval(() => {}, 60_000);
