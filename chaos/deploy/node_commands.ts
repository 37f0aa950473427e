// The exact commands and config files of a deployed node, shared by every deployer (the sim
// parses the same files; process, container and external start the same entry points users
// run: system/cli/mqnamesrv.ts -c namesrv.properties, system/cli/mqbroker.ts -c broker.conf -n
// "a;b", chaos/deploy/worker.ts --spec), started with this Node and tsx. The deployer adds
// only where a node lives (address, ports, store directory) and the run's intervals to what
// the plan says, as a marked section of the file (a later key wins in a properties file).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serverNodeArgs } from "../../system/cli/index.ts";
import { brokerConfigKeys } from "../../system/config/index.ts";
import { namesrvConfigKeys } from "../../system/namesrv/index.ts";
import { changedIntervalOptions, type Intervals } from "../scenario.ts";
import type { PlannedBroker } from "./types.ts";
import type { NodeAddress } from "./address_plan.ts";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const namesrvEntry = fileURLToPath(new URL("../../system/cli/mqnamesrv.ts", import.meta.url));
export const brokerEntry = fileURLToPath(new URL("../../system/cli/mqbroker.ts", import.meta.url));
export const workerEntry = fileURLToPath(new URL("./worker.ts", import.meta.url));

const tsxLoader = import.meta.resolve("tsx");

/** argv that runs a TypeScript entry with this Node and tsx. */
export function tsEntryArgv(entryPath: string, args: readonly string[]): string[] {
  return [process.execPath, "--import", tsxLoader, entryPath, ...args];
}

function section(title: string, values: Record<string, string | number | boolean>): string {
  const lines = Object.entries(values).map(([key, value]) => `${key}=${String(value)}`);
  return `\n# ${title}\n${lines.join("\n")}\n`;
}

function knownKeys(keys: object, values: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => key in keys));
}

/** namesrv.properties keys for the intervals the run changes (changedInterval). */
export function namesrvIntervalKeys(intervals: Intervals): Record<string, number> {
  const keys: Record<string, number> = changedIntervalOptions(intervals, { scanNotActiveBrokerIntervalMs: "namesrvScanMs", brokerChannelExpiredTimeMs: "brokerExpiryMs" });
  // RocketMQ's first scan comes 5 s after start; a faster scan starts sooner.
  const scanMs = keys["scanNotActiveBrokerIntervalMs"];
  if (scanMs !== undefined) keys["scanNotActiveBrokerDelayMs"] = Math.min(5_000, scanMs);
  return keys;
}

/** namesrv.properties: address, KV store under the node's directory, liveness intervals. */
export function namesrvConfText(node: NodeAddress, nodeDir: string, intervals: Intervals): string {
  return section(`mqlab process deployer: ${node.name}`, knownKeys(namesrvConfigKeys, {
    listenHost: node.ip,
    listenPort: node.port ?? 9876,
    kvConfigPath: `${nodeDir}/kvConfig.json`,
    configStorePath: `${nodeDir}/namesrv.properties`,
    ...namesrvIntervalKeys(intervals),
  })).trimStart();
}

/** The planned broker.conf plus where this broker lives. */
export function brokerConfText(broker: PlannedBroker, node: NodeAddress, storeDir: string): string {
  return `${broker.confText.trimEnd()}\n` + section("mqlab process deployer: address, ports, store", {
    brokerIP1: node.ip,
    listenPort: node.port ?? 10911,
    haListenPort: node.haPort ?? (node.port ?? 10911) + 1,
    storePathRootDir: storeDir,
    // Present once broker_config knows it: lets the plan's fast intervals through RocketMQ's clamps.
    ...knownKeys(brokerConfigKeys, { mqlabAllowFastIntervals: true }),
  });
}

function requireEntry(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} entry point ${path} does not exist (yet): the process deployer runs the real CLIs`);
  return path;
}

/** A server's argv: its node flags (MQLAB_NODE_OPTIONS, MQLAB_SERVER_NODE_ARGS) before the entry. */
function serverArgv(entryPath: string, args: readonly string[]): string[] {
  const [node = process.execPath, ...rest] = tsEntryArgv(entryPath, args);
  return [node, ...serverNodeArgs(process.env), ...rest];
}

export function namesrvArgv(confPath: string): string[] {
  return serverArgv(requireEntry(namesrvEntry, "mqnamesrv"), ["-c", confPath]);
}

export function brokerArgv(confPath: string, namesrvAddr: string): string[] {
  return serverArgv(requireEntry(brokerEntry, "mqbroker"), ["-c", confPath, "-n", namesrvAddr]);
}

export function workerArgv(specPath: string): string[] {
  return tsEntryArgv(workerEntry, ["--spec", specPath, "--watch-stdin"]);
}
