// How a NameServer and a broker are started, for every deployer that runs real nodes (process,
// container): the command line of the system's CLIs, as people run RocketMQ's own, and the
// config file each gets. The broker's file is the plan's broker.conf with what the deployer
// decides appended (address, ports, store, NameServers) — a later key wins in a properties
// file — so the file a node ran with is readable and reproducible. Pure: no I/O.
import { appendOverrides } from "../../plan.ts";
import type { Intervals } from "../../scenario.ts";
import type { PlannedBroker } from "../types.ts";

/** argv after the node binary: tsx's loader, the entry point, its options. cwd: the project. */
export interface NodeLaunch {
  args: string[];
  /** Files the node needs before it starts (its config). */
  files: { path: string; content: string }[];
}

/** The line a NameServer or broker prints once it serves (RocketMQ's own wording). */
export const bootSuccessLine = /boot success/;

export const namesrvEntry = "system/cli/mqnamesrv.ts";
export const brokerEntry = "system/cli/mqbroker.ts";
export const tsxImport = ["--import", "tsx"];

export function namesrvConfText(port: number, intervals: Intervals): string {
  return appendOverrides("# NameServer of an mqlab run\n", {
    listenPort: String(port),
    scanNotActiveBrokerInterval: String(intervals.namesrvScanMs),
    brokerChannelExpiredTime: String(intervals.brokerExpiryMs),
  }, "deployer");
}

export function namesrvLaunch(options: { port: number; intervals: Intervals; confPath: string }): NodeLaunch {
  return {
    args: [...tsxImport, namesrvEntry, "-c", options.confPath],
    files: [{ path: options.confPath, content: namesrvConfText(options.port, options.intervals) }],
  };
}

export function brokerConfText(broker: PlannedBroker, options: { ip: string; port: number; storeDir: string; namesrvAddr: string }): string {
  return appendOverrides(broker.confText, {
    brokerIP1: options.ip,
    brokerIP2: options.ip,
    listenPort: String(options.port),
    haListenPort: String(options.port + 1),
    storePathRootDir: options.storeDir,
    storePathCommitLog: `${options.storeDir}/commitlog`,
    namesrvAddr: options.namesrvAddr,
  }, "deployer");
}

export function brokerLaunch(
  broker: PlannedBroker,
  options: { ip: string; port: number; storeDir: string; namesrvAddr: string; confPath: string },
): NodeLaunch {
  return {
    args: [...tsxImport, brokerEntry, "-c", options.confPath, "-n", options.namesrvAddr],
    files: [{ path: options.confPath, content: brokerConfText(broker, options) }],
  };
}
