// Test support: a BrokerConfig for a given store root (loopback, small files, fast intervals).
// Pure: callers create and remove the temp directory themselves.
import { defaultBrokerConfig, type BrokerConfig } from "../../config/broker_config.ts";
import { storePathsUnder } from "../../config/testing/store_paths.ts";

export function testBrokerConfig(storePathRootDir: string, overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  const base = defaultBrokerConfig({
    homeDir: storePathRootDir,
    hostName: "broker-a",
    localIp: "127.0.0.1",
    totalPhysicalMemoryBytes: 8 * 2 ** 30,
  });
  return {
    ...base,
    brokerName: "broker-a",
    brokerClusterName: "DefaultCluster",
    brokerIP1: "127.0.0.1",
    brokerIP2: "127.0.0.1",
    listenPort: 0,
    ...storePathsUnder(storePathRootDir),
    mapedFileSizeCommitLog: 4 * 1024 * 1024,
    mapedFileSizeConsumeQueue: 6_000 * 20,
    maxMessageSize: 1024 * 1024,
    messageIndexEnable: true,
    maxHashSlotNum: 10_000,
    maxIndexNum: 40_000,
    ...overrides,
  };
}
