// The entry functions the simulator runs for each node. They do what the real CLIs do —
// parse the same conf text with the same parsers, build the same controllers — only the Env
// differs. A node's disk is its own simulated disk, so paths are plain absolute paths.
import { parseBrokerConfig } from "../../../system/config/index.ts";
import type { Env } from "../../../system/env/index.ts";
import { BrokerController } from "../../../system/broker/index.ts";
import { defaultNamesrvConfig, namesrvConfigFromProperties, NamesrvController } from "../../../system/namesrv/index.ts";
import type { NodeHandle } from "../../sim/index.ts";
import { brokerConfText, namesrvConfText } from "../node_commands.ts";
import type { NodeAddress } from "../address_plan.ts";
import type { Intervals } from "../../scenario.ts";
import type { PlannedBroker } from "../types.ts";
import { brokerTopicsJson, topicsJsonPath } from "../broker_topics.ts";
import type { BrokerTestFaults } from "../../../system/broker/index.ts";

/** Where a simulated broker keeps its store (storePathRootDir) on its own disk. */
export const simStoreDir = "/store";

/**
 * The sim keeps index files small (same layout, fewer slots): a 420 MB file per broker costs RAM.
 * A scenario that sizes them itself (broker.conf maxHashSlotNum / maxIndexNum: the swarm's small
 * index files) keeps its own sizes: the later line of a properties file wins.
 */
export function simIndexOverrides(confText: string): string {
  const lines = [["maxHashSlotNum", "50000"], ["maxIndexNum", "200000"]]
    .filter(([key]) => !new RegExp(`^\\s*${key}\\s*[=:]`, "m").test(confText))
    .map(([key, value]) => `${key}=${value}\n`);
  return lines.length === 0 ? "" : `\n# simulator: same IndexFile layout, smaller capacity\n${lines.join("")}`;
}

export function namesrvEntry(
  node: NodeAddress, intervals: Intervals, testFaults?: BrokerTestFaults,
): (env: Env) => Promise<NodeHandle & { controller: NamesrvController }> {
  return async (env) => {
    const { config } = namesrvConfigFromProperties(namesrvConfText(node, "/namesrv", intervals), "namesrv.properties", defaultNamesrvConfig("/home/mq"));
    // The scenario's test faults go to every node; the NameServer reads only its own switches.
    const controller = new NamesrvController(env, config, testFaults === undefined ? {} : { testFaults: { ...testFaults } });
    await controller.start();
    return { controller, stop: () => controller.shutdown() };
  };
}

export function brokerEntry(
  broker: PlannedBroker,
  node: NodeAddress,
  options: { namesrvAddr: string; testFaults?: BrokerTestFaults },
): (env: Env) => Promise<NodeHandle & { controller: BrokerController }> {
  const text = brokerConfText(broker, node, simStoreDir) + simIndexOverrides(broker.confText);
  return async (env) => {
    const context = { homeDir: "/home/mq", hostName: broker.node, localIp: node.ip, totalPhysicalMemoryBytes: 16 * 1024 ** 3 };
    const { config, warnings } = parseBrokerConfig(text, `${broker.node}.properties`, context);
    for (const warning of warnings) env.log.warn("broker config warning", { warning });
    const topicsPath = topicsJsonPath(config.storePathRootDir);
    if (broker.topics !== undefined && !env.disk.exists(topicsPath)) {
      env.disk.mkdirs(topicsPath.slice(0, topicsPath.lastIndexOf("/")));
      await env.disk.writeFileAtomic(topicsPath, new TextEncoder().encode(brokerTopicsJson(broker.topics)));
    }
    const aclPath = `${config.rocketmqHome}/conf/plain_acl.yml`;
    if (broker.aclFile !== undefined && !env.disk.exists(aclPath)) {
      env.disk.mkdirs(aclPath.slice(0, aclPath.lastIndexOf("/")));
      await env.disk.writeFileAtomic(aclPath, new TextEncoder().encode(broker.aclFile));
    }
    const controller = new BrokerController(env, config, {
      namesrvAddrs: options.namesrvAddr.split(";"),
      ...(options.testFaults === undefined ? {} : { testFaults: { ...options.testFaults } }),
    });
    await controller.start();
    return { controller, stop: () => controller.shutdown() };
  };
}
