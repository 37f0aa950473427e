// NamesrvConfig: RocketMQ 4.9.7's NamesrvConfig + the NettyServerConfig fields the namesrv uses,
// with its defaults, and the liveness intervals RocketMQ hard-codes (made configurable so the lab
// can run a 120 s expiry in milliseconds). Parsing of namesrv.properties reuses
// system/config/properties.ts: unknown keys warn, malformed values name file:line.
import type { KeySpec } from "../config/properties.ts";
import { applyProperties, parseProperties } from "../config/properties.ts";
import { posix } from "node:path";

export interface NamesrvConfig {
  listenPort: number;
  listenHost: string;
  rocketmqHome: string;
  /** KV config store (orderTopicConf etc.); default ~/namesrv/kvConfig.json. */
  kvConfigPath: string;
  configStorePath: string;
  productEnvName: string;
  clusterTest: boolean;
  /** Put orderTopicConf (KV namespace ORDER_TOPIC_CONFIG) into routes; false in RocketMQ. */
  orderMessageEnable: boolean;
  /** NamesrvController: scanNotActiveBroker every 10 s, first after 5 s. */
  scanNotActiveBrokerIntervalMs: number;
  scanNotActiveBrokerDelayMs: number;
  /** RouteInfoManager.BROKER_CHANNEL_EXPIRED_TIME: 120 s without REGISTER_BROKER. */
  brokerChannelExpiredTimeMs: number;
  /** Largest frame accepted (com.rocketmq.remoting.frameMaxLength). */
  frameSizeMax: number;
}

export function defaultNamesrvConfig(userHome = "", rocketmqHome = ""): NamesrvConfig {
  return {
    listenPort: 9876,
    listenHost: "0.0.0.0",
    rocketmqHome,
    kvConfigPath: posix.join(userHome, "namesrv", "kvConfig.json"),
    configStorePath: posix.join(userHome, "namesrv", "namesrv.properties"),
    productEnvName: "center",
    clusterTest: false,
    orderMessageEnable: false,
    scanNotActiveBrokerIntervalMs: 10_000,
    scanNotActiveBrokerDelayMs: 5_000,
    brokerChannelExpiredTimeMs: 120_000,
    frameSizeMax: 16 * 1024 * 1024,
  };
}

export const namesrvConfigKeys: { readonly [K in keyof NamesrvConfig]: KeySpec } = {
  listenPort: { kind: "int" },
  listenHost: { kind: "string", aliases: ["bindAddress"] },
  rocketmqHome: { kind: "string" },
  kvConfigPath: { kind: "string" },
  configStorePath: { kind: "string" },
  productEnvName: { kind: "string" },
  clusterTest: { kind: "bool" },
  orderMessageEnable: { kind: "bool" },
  scanNotActiveBrokerIntervalMs: { kind: "long", aliases: ["scanNotActiveBrokerInterval"] },
  scanNotActiveBrokerDelayMs: { kind: "long", aliases: ["scanNotActiveBrokerDelay"] },
  brokerChannelExpiredTimeMs: { kind: "long", aliases: ["brokerChannelExpiredTime"] },
  frameSizeMax: { kind: "int" },
};

/** Applies namesrv.properties text onto defaults; throws ConfigError (file:line) on bad values. */
export function namesrvConfigFromProperties(
  text: string,
  sourceName: string,
  defaults: NamesrvConfig = defaultNamesrvConfig(),
): { config: NamesrvConfig; warnings: string[] } {
  return applyProperties(defaults, namesrvConfigKeys, parseProperties(text), sourceName);
}

/** Values no namesrv can run with (each a sentence); empty when the config is usable. */
export function namesrvConfigProblems(config: NamesrvConfig): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(config.listenPort) || config.listenPort < 0 || config.listenPort > 65535) {
    problems.push(`listenPort ${config.listenPort} is not a TCP port (0..65535)`);
  }
  for (const key of ["scanNotActiveBrokerIntervalMs", "brokerChannelExpiredTimeMs"] as const) {
    if (config[key] <= 0) problems.push(`${key} must be positive, got ${config[key]}`);
  }
  if (config.scanNotActiveBrokerDelayMs < 0) problems.push("scanNotActiveBrokerDelayMs must not be negative");
  if (config.frameSizeMax < 1024) problems.push(`frameSizeMax ${config.frameSizeMax} is too small (≥ 1024)`);
  if (config.kvConfigPath === "") problems.push("kvConfigPath must not be empty");
  return problems;
}
