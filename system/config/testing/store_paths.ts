// Test support: the six store paths of a BrokerConfig under one root, laid out as
// defaultBrokerConfig and parseBrokerConfig derive them from storePathRootDir (RocketMQ's
// MessageStoreConfig: commitlog, consumequeue, index, checkpoint, abort under the root).
// Only paths: homeDir, IPs, memory size and file sizes stay with each fixture that needs them.
// Pure; the caller owns the directory (a temp dir on a real disk, "/store" in the simulator).
import type { BrokerConfig } from "../broker_config.ts";

export type StorePaths = Pick<
  BrokerConfig,
  "storePathRootDir" | "storePathCommitLog" | "storePathConsumeQueue" | "storePathIndex" | "storeCheckpoint" | "abortFile"
>;

export function storePathsUnder(root: string): StorePaths {
  if (root.length === 0 || root.endsWith("/")) throw new Error(`store root must be a path without a trailing slash: "${root}"`);
  return {
    storePathRootDir: root,
    storePathCommitLog: `${root}/commitlog`,
    storePathConsumeQueue: `${root}/consumequeue`,
    storePathIndex: `${root}/index`,
    storeCheckpoint: `${root}/checkpoint`,
    abortFile: `${root}/abort`,
  };
}
