// The container deployer: every node of a run — NameServers, brokers, workload clients — is a
// container from the locally built node image (image.ts) on a network created for the run
// (run_network.ts), each at a fixed address of the process deployer's address plan with the
// run's own 10.N prefix. Faults act on the real thing: crash = SIGKILL of the container,
// restart = starting it again on its store volume, pause = cgroup freeze, network faults =
// nftables rules inside the sending container's network namespace (packet_filter.ts).
// Everything is labelled mqlab.run=<runId> and removed on teardown, on a failed deploy and on
// Ctrl-C (cleanup.ts); a run that could not clean up is cleaned by cleanContainerLeftovers().
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FaultKind } from "../../faults/types.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import { AddressPlan, type NodeAddress } from "../address_plan.ts";
import { brokerConfText, namesrvConfText } from "../node_commands.ts";
import type { ClusterPlan, Deployer, DeployerName, FaultSupport } from "../types.ts";
import { InterruptCleanup, removeRunResources } from "./cleanup.ts";
import { ContainerCluster, type BringUpTimes } from "./container_cluster.ts";
import { connectEngine } from "./engine.ts";
import { ensureNodeImage, imageAppDir } from "./image.ts";
import { NodeContainer, type NodeOutput } from "./node_container.ts";
import { createRunNetwork } from "./run_network.ts";
import { slaveConnectedLine, slaveConnectWaitMs, waitForLogLine } from "../wall_cluster/log_wait.ts";

export interface ContainerDeployerOptions {
  /** Run docker_up.sh when no engine answers (root on Debian). Default false: fail with advice. */
  startEngine?: boolean;
  /** How long a NameServer or broker may take to print its boot line. */
  readyTimeoutMs?: number;
  /**
   * Stand-in servers for tests: the entrypoint (node) arguments of a NameServer or broker; they
   * must print a line matching /boot success/ once they serve. Default: the real CLIs.
   */
  commands?: { namesrv?: (node: NodeAddress) => string[]; broker?: (node: NodeAddress) => string[] };
  /** Workload module for workers, relative to the project (default: the worker's own). */
  workloadModule?: string;
}

/** Inside the image: entry points relative to its working directory (the project). */
const tsxArgs = ["--import", "tsx"];
const namesrvEntry = "system/cli/mqnamesrv.ts";
const brokerEntry = "system/cli/mqbroker.ts";
/** Every server's volume: the broker's store, the NameServer's KV config. */
const storeDir = "/store";
/** RocketMQ's boot lines: "The Name Server boot success...", "The broker[...] boot success...". */
const bootSuccessLine = /boot success/;

const networkFaults = new Set<FaultKind>(["firewall", "heartbeat-loss", "partition", "flow"]);

/** Whether DOCKER_HOST names an engine on another machine (its namespaces are out of reach). */
export function remoteEngineConfigured(dockerHost = process.env.DOCKER_HOST): boolean {
  return dockerHost !== undefined && dockerHost !== "" && !dockerHost.startsWith("unix://");
}

export function containerFaultSupport(kind: FaultKind, remote: boolean): FaultSupport {
  if (networkFaults.has(kind) && remote) {
    return {
      supported: false,
      why: "DOCKER_HOST names a remote engine; packet filter rules are set from the engine's own host (nsenter into the container's network namespace), which this machine is not",
    };
  }
  switch (kind) {
    case "crash":
    case "pause":
    case "namesrv-all-down":
    case "firewall":
    case "heartbeat-loss":
    case "partition":
      return { supported: true };
    case "flow":
      // Loss is nftables' numgen; added delay needs tc netem, which these kernels lack.
      return { supported: true };
    case "power-loss":
      return { supported: false, why: "a container shares the host's page cache: killing it cannot drop unsynced writes (simulator only)" };
    case "clock-skew":
      return { supported: false, why: "containers share the host kernel's clock; a per-node clock offset exists only in the simulator" };
    case "slow-disk":
      return { supported: false, why: "no per-container fsync slowdown on a shared kernel without device-mapper delay targets (simulator only)" };
    case "disk-full":
      return { supported: false, why: "named volumes on vfs have no size limit to fill; a full disk is simulated only" };
    case "clean-restart":
      return { supported: false, why: "a graceful stop and start of one container is not wired yet; simulated only" };
    case "disk-error":
      return { supported: false, why: "no block device to fail under a container's volume; EIO is simulated only" };
    case "connection-reset":
      return { supported: false, why: "nftables `reject with tcp reset` resets on the next packet, never inside a chosen frame nor one side before the other; the mid-frame, asymmetric reset is simulated only" };
    case "acl-secret":
    case "acl-file":
      return { supported: false, why: "ACL faults reach into a client's credentials and a broker's files; simulator only for now" };
    case "rogue-peer":
      return { supported: false, why: "the rogue peer runs as a simulated node or a process-deployer worker, not yet as a container; use the sim or process deployer" };
    default: {
      const unreachable: never = kind;
      throw new Error(`the container deployer has not decided on fault kind ${String(unreachable)}`);
    }
  }
}

export class ContainerDeployer implements Deployer {
  readonly name: DeployerName = "container";
  private readonly remote = remoteEngineConfigured();

  constructor(private readonly options: ContainerDeployerOptions = {}) {}

  supports(kind: FaultKind): FaultSupport {
    return containerFaultSupport(kind, this.remote);
  }

  async deploy(plan: ClusterPlan, options: { outDir: string; history: HistoryRecorder }): Promise<ContainerCluster> {
    const startMs = performance.now();
    const engine = await connectEngine({ start: this.options.startEngine ?? false });
    const image = await ensureNodeImage(engine);
    const imageMs = performance.now() - startMs;
    const runId = randomBytes(4).toString("hex");
    const nodesDir = join(options.outDir, "nodes");
    mkdirSync(nodesDir, { recursive: true });
    const interrupt = new InterruptCleanup(engine, runId);
    const stdoutSinks = new Map<string, (line: string) => void>();
    const output: NodeOutput = { stdoutLine: (node, line) => stdoutSinks.get(node)?.(line) };
    try {
      const network = await createRunNetwork(engine, runId);
      const addresses = new AddressPlan(plan.nameServers, plan.brokers.map((broker) => broker.node), { ipPrefix: network.ipPrefix });
      const readyTimeoutMs = this.options.readyTimeoutMs ?? 90_000;
      const namesrvAddr = addresses.namesrvAddr();
      const server = (name: string, role: "namesrv" | "broker", entry: string, confText: string, extraArgs: string[]): NodeContainer => {
        const confPath = `/etc/mqlab/${role === "namesrv" ? "namesrv.properties" : "broker.conf"}`;
        writeFileSync(join(nodesDir, `${name}.conf`), `# ${confPath} in the container\n${confText}`);
        return new NodeContainer(engine, {
          name, role, ip: addresses.get(name).ip,
          args: this.options.commands?.[role]?.(addresses.get(name)) ?? [...tsxArgs, entry, "-c", confPath, ...extraArgs],
          files: [{ path: confPath, content: confText }],
          volumePath: storeDir, readyLine: bootSuccessLine, readyTimeoutMs,
        }, output, nodesDir);
      };
      const namesrvs = plan.nameServers.map((name) =>
        server(name, "namesrv", namesrvEntry, namesrvConfText(addresses.get(name), storeDir, plan.intervals), []));
      const brokers = plan.brokers.map((broker) =>
        server(broker.node, "broker", brokerEntry, brokerConfText(broker, addresses.get(broker.node), storeDir), ["-n", namesrvAddr]));
      const networkMs = performance.now() - startMs - imageMs;
      await Promise.all(namesrvs.map((node) => node.start(image.tag, network, runId)));
      const namesrvMs = performance.now() - startMs - imageMs - networkMs;
      // Masters first, then slaves, then each slave's HA connection (see the process cluster's
      // bring-up: a SYNC_MASTER answers SLAVE_NOT_AVAILABLE until its slave is connected).
      const isSlave = (index: number): boolean => (plan.brokers[index]?.brokerId ?? 0) > 0;
      await Promise.all(brokers.filter((_, index) => !isSlave(index)).map((node) => node.start(image.tag, network, runId)));
      await Promise.all(brokers.filter((_, index) => isSlave(index)).map((node) => node.start(image.tag, network, runId)));
      // Stand-in broker commands (tests) log no HA line: nothing to wait for.
      const slaveNames = this.options.commands?.broker === undefined ? plan.brokers.filter((broker) => broker.brokerId > 0).map((broker) => broker.node) : [];
      const connected = await Promise.all(slaveNames.map((name) => waitForLogLine({
        logPath: join(nodesDir, `${name}.log`), line: slaveConnectedLine, deadlineMs: slaveConnectWaitMs(plan.intervals),
      })));
      const slavesNotConnected = slaveNames.filter((_, index) => !connected[index]);
      const brokersMs = performance.now() - startMs - imageMs - networkMs - namesrvMs;
      const times: BringUpTimes = {
        topology: plan.topology,
        image: image.tag,
        imageBuilt: image.built,
        imageMs: Math.round(imageMs),
        imageSizeBytes: image.sizeBytes,
        networkMs: Math.round(networkMs),
        namesrvMs: Math.round(namesrvMs),
        brokersMs: Math.round(brokersMs),
        totalMs: Math.round(performance.now() - startMs),
      };
      writeFileSync(join(options.outDir, "container-deploy.json"), JSON.stringify({ runId, network, times, slavesNotConnected }, null, 2) + "\n");
      return new ContainerCluster({ engine, runId, image: image.tag, network, addresses, nodes: [...namesrvs, ...brokers], nodesDir, output: stdoutSinks, history: options.history, interrupt, times, plan, ...(this.options.workloadModule === undefined ? {} : { workloadModule: `${imageAppDir}/${this.options.workloadModule}` }) });
    } catch (error) {
      interrupt.dispose();
      await removeRunResources(engine, runId).catch(() => undefined);
      throw new Error(`container run ${runId} could not come up (its containers, network and volumes are removed): ${(error as Error).message}`, { cause: error });
    }
  }
}
