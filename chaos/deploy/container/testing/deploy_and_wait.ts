// Test fixture: a lab process that deploys 1m in containers (stand-in servers, the stand-in
// workload), prints "ready <runId>" and waits to be interrupted or killed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryHistory } from "../../../history/types.ts";
import { planCluster } from "../../../plan.ts";
import type { Scenario } from "../../../scenario.ts";
import type { NodeAddress } from "../../address_plan.ts";
import { ContainerDeployer } from "../container_deployer.ts";

const standIn = (node: NodeAddress): string[] => ["-e",
  `require("net").createServer(s=>{s.on("error",()=>{});s.end("x")}).listen(${node.port},"${node.ip}",()=>console.log("stand-in boot success"));setInterval(()=>{},1e6)`];

const scenario: Scenario = {
  name: "test/interrupt", description: "", topology: "1m",
  workload: { topics: [{ name: "T", queues: 4 }], producers: [{ count: 1, topic: "T" }], consumers: [] },
  faults: [], durationMs: 1_000, quiesceMs: 0, expectations: { checkers: [] },
};

const deployer = new ContainerDeployer({ commands: { namesrv: standIn, broker: standIn }, workloadModule: "chaos/deploy/testing/fake_workload.ts" });
const history = new MemoryHistory();
const cluster = await deployer.deploy(planCluster(scenario, 1), { outDir: mkdtempSync(join(tmpdir(), "mqlab-interrupt-")), history });
await cluster.startWorkload(scenario.workload, history);
process.stdout.write(`ready ${cluster.runId}\n`);
setInterval(() => undefined, 1_000_000);
