import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseBrokerConfig, type BrokerConfigContext } from "./broker_config.ts";
import { ConfigError, parseProperties } from "./properties.ts";
import { parseNamesrvList, resolveNamesrvAddr } from "./namesrv_addr.ts";

const context: BrokerConfigContext = { homeDir: "/home/mq", hostName: "host1", localIp: "10.1.2.3", totalPhysicalMemoryBytes: 8 * 2 ** 30 };

// The broker.conf of a real two-master deployment, every key the issue names.
const realDeploymentConf = `
# broker-a master
brokerClusterName=DefaultCluster
brokerName=broker-a
brokerId=0
namesrvAddr=192.168.1.10:9876;192.168.1.11:9876
brokerIP1=192.168.1.20
defaultTopicQueueNums=4
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
listenPort=10911
deleteWhen=04
fileReservedTime=120
mapedFileSizeCommitLog=1073741824
mapedFileSizeConsumeQueue=300000
diskMaxUsedSpaceRatio=88
storePathRootDir=/data/rocketmq/store
storePathCommitLog=/data/rocketmq/store/commitlog
storePathConsumeQueue=/data/rocketmq/store/consumequeue
storePathIndex=/data/rocketmq/store/index
storeCheckpoint=/data/rocketmq/store/checkpoint
abortFile=/data/rocketmq/store/abort
maxMessageSize=65536
flushCommitLogLeastPages=4
flushConsumeQueueLeastPages=2
flushCommitLogThoroughInterval=10000
flushConsumeQueueThoroughInterval=60000
brokerRole=SYNC_MASTER
flushDiskType=SYNC_FLUSH
sendMessageThreadPoolNums=128
pullMessageThreadPoolNums=128
`;

test("every key of a real deployment's broker.conf is honoured", () => {
  const { config, warnings } = parseBrokerConfig(realDeploymentConf, "broker-a.conf", context);
  assert.deepEqual(warnings, []);
  assert.equal(config.brokerName, "broker-a");
  assert.equal(config.brokerRole, "SYNC_MASTER");
  assert.equal(config.flushDiskType, "SYNC_FLUSH");
  assert.equal(config.namesrvAddr, "192.168.1.10:9876;192.168.1.11:9876");
  assert.equal(config.brokerIP1, "192.168.1.20");
  assert.equal(config.brokerIP2, "192.168.1.20");
  assert.equal(config.defaultTopicQueueNums, 4);
  assert.equal(config.fileReservedTime, 120);
  assert.equal(config.mapedFileSizeConsumeQueue, 300000);
  assert.equal(config.diskMaxUsedSpaceRatio, 88);
  assert.equal(config.storePathIndex, "/data/rocketmq/store/index");
  assert.equal(config.maxMessageSize, 65536);
  assert.equal(config.sendMessageThreadPoolNums, 128);
  assert.equal(config.haListenPort, 10912);
});

test("defaults follow RocketMQ, store paths follow storePathRootDir", () => {
  const { config } = parseBrokerConfig("storePathRootDir=/tmp/s\nbrokerName=b\n", "x.conf", context);
  assert.equal(config.storePathCommitLog, "/tmp/s/commitlog");
  assert.equal(config.abortFile, "/tmp/s/abort");
  assert.equal(config.listenPort, 10911);
  assert.equal(config.brokerRole, "ASYNC_MASTER");
  assert.equal(config.flushDiskType, "ASYNC_FLUSH");
  assert.equal(config.fileReservedTime, 72);
  assert.equal(config.deleteWhen, "04");
  assert.equal(config.diskMaxUsedSpaceRatio, 75);
  assert.equal(config.mapedFileSizeCommitLog, 1024 ** 3);
  const fromHome = parseBrokerConfig("", "y.conf", context).config;
  assert.equal(fromHome.storePathRootDir, "/home/mq/store");
  assert.equal(fromHome.brokerName, "host1");
});

test("an unknown key warns with its line; a malformed value names file:line", () => {
  const { warnings } = parseBrokerConfig("brokerName=b\nbrokerNmae=typo\n", "b.conf", context);
  assert.deepEqual(warnings, ["b.conf:2: unknown key brokerNmae (ignored)"]);
  assert.throws(() => parseBrokerConfig("brokerName=b\n\nlistenPort=ten\n", "b.conf", context),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith("b.conf:3: listenPort=ten"));
  assert.throws(() => parseBrokerConfig("brokerRole=BOSS\n", "b.conf", context),
    (e: unknown) => e instanceof ConfigError && /b\.conf:1: .*ASYNC_MASTER/.test(e.message));
  assert.throws(() => parseBrokerConfig("autoCreateTopicEnable=yes\n", "b.conf", context), ConfigError);
});

test("relations between keys are checked", () => {
  assert.throws(() => parseBrokerConfig("brokerId=1\nbrokerRole=ASYNC_MASTER\n", "s.conf", context), /must have brokerId=0/);
  assert.throws(() => parseBrokerConfig("brokerId=0\nbrokerRole=SLAVE\n", "s.conf", context), /needs brokerId > 0/);
  assert.equal(parseBrokerConfig("brokerId=1\n", "s.conf", context).config.brokerRole, "SLAVE");
  assert.throws(() => parseBrokerConfig("deleteWhen=4am\n", "s.conf", context), /deleteWhen/);
});

test("the mappedFile spelling of newer RocketMQ versions is accepted", () => {
  const { config, warnings } = parseBrokerConfig("mappedFileSizeCommitLog=10485760\n", "n.conf", context);
  assert.deepEqual(warnings, []);
  assert.equal(config.mapedFileSizeCommitLog, 10485760);
});

test("properties parser keeps line numbers across continuations and comments", () => {
  const entries = parseProperties("# c\n! c2\na=1\nb = 2 \\\n  3\nc:4\n");
  assert.deepEqual(entries.map((e) => [e.key, e.value, e.line]), [["a", "1", 3], ["b", "2 3", 4], ["c", "4", 6]]);
});

test("namesrv list: option, then config, then environment", () => {
  assert.deepEqual(resolveNamesrvAddr({ option: "a:1;b:2", config: "c:3", environment: "d:4" }), ["a:1", "b:2"]);
  assert.deepEqual(resolveNamesrvAddr({ config: "c:3", environment: "d:4" }), ["c:3"]);
  assert.deepEqual(resolveNamesrvAddr({ environment: "d:4;" }), ["d:4"]);
  assert.deepEqual(resolveNamesrvAddr({}), []);
  assert.throws(() => parseNamesrvList("a:1;nohost", "-n"), /bad NameServer address "nohost"/);
});

test("property: any integer in range round-trips through broker.conf", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 10, max: 95 }), (interval, ratio) => {
    const { config } = parseBrokerConfig(`flushIntervalCommitLog=${interval}\ndiskMaxUsedSpaceRatio=${ratio}\n`, "p", context);
    return config.flushIntervalCommitLog === interval && config.diskMaxUsedSpaceRatio === ratio;
  }));
});

test("readUnCommitted (apache/rocketmq#8239): off by default (visibility bounded by durability), broker.conf can restore 4.9.7", () => {
  assert.equal(parseBrokerConfig("", "broker.conf", context).config.readUnCommitted, false);
  assert.equal(parseBrokerConfig("readUnCommitted=true\n", "broker.conf", context).config.readUnCommitted, true);
  assert.throws(() => parseBrokerConfig("readUnCommitted=maybe\n", "broker.conf", context), ConfigError);
});
