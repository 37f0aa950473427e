// storePathsUnder must lay paths out exactly as the broker.conf parser does, so fixtures built
// with it see the same files a broker started from a real broker.conf would.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { defaultBrokerConfig, parseBrokerConfig } from "../broker_config.ts";
import { storePathsUnder } from "./store_paths.ts";

const context = { homeDir: "/home/mq", hostName: "h", localIp: "10.0.0.2", totalPhysicalMemoryBytes: 16 * 1024 ** 3 };
const segment = fc.stringMatching(/^[a-z0-9_.-]{1,8}$/).filter((s) => s !== "." && s !== "..");
const rootArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);

function pathsOf(config: ReturnType<typeof defaultBrokerConfig>): ReturnType<typeof storePathsUnder> {
  const { storePathRootDir, storePathCommitLog, storePathConsumeQueue, storePathIndex, storeCheckpoint, abortFile } = config;
  return { storePathRootDir, storePathCommitLog, storePathConsumeQueue, storePathIndex, storeCheckpoint, abortFile };
}

test("storePathsUnder lays paths out as broker.conf's storePathRootDir does", () => {
  fc.assert(fc.property(rootArb, (root) => {
    // Arrange
    const { config } = parseBrokerConfig(`storePathRootDir=${root}\n`, "x.conf", context);
    // Act
    const paths = storePathsUnder(root);
    // Assert
    assert.deepEqual(paths, pathsOf(config));
  }));
});

test("storePathsUnder of <homeDir>/store is defaultBrokerConfig's layout", () => {
  assert.deepEqual(storePathsUnder("/home/mq/store"), pathsOf(defaultBrokerConfig(context)));
});

test("storePathsUnder refuses an empty root and a trailing slash", () => {
  assert.throws(() => storePathsUnder(""), /store root/);
  assert.throws(() => storePathsUnder("/store/"), /store root/);
});
