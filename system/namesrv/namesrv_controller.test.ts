// NamesrvController on the real Env over loopback: every request code, liveness, KV persistence.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { crc32 } from "node:zlib";
import { createRealEnv } from "../env/real/index.ts";
import type { RealEnv } from "../env/real/index.ts";
import { RemotingClient } from "../remoting/remoting_client.ts";
import { createRequest, fromUtf8, utf8 } from "../remoting/remoting_command.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import { decodeKVTable, decodeTopicList } from "../protocol/admin_bodies.ts";
import { encodeJsonBody } from "../protocol/body_json.ts";
import { encodeRegisterBrokerBody } from "../protocol/register_broker_body.ts";
import { decodeClusterInfo, decodeTopicRouteData } from "../protocol/route.ts";
import { newTopicConfig } from "../protocol/topic_config.ts";
import { defaultNamesrvConfig } from "./namesrv_config.ts";
import type { NamesrvConfig } from "./namesrv_config.ts";
import { NamesrvController } from "./namesrv_controller.ts";

let env: RealEnv;
let dir: string;
let controller: NamesrvController;
let client: RemotingClient;
let addr: string;

async function startNamesrv(overrides: Partial<NamesrvConfig> = {}): Promise<void> {
  controller = new NamesrvController(env, {
    ...defaultNamesrvConfig(dir),
    listenHost: "127.0.0.1",
    listenPort: 0,
    ...overrides,
  });
  await controller.start();
  addr = controller.listenAddress;
}

beforeEach(async () => {
  env = createRealEnv({ nodeName: "namesrv-test", logLevel: "silent" });
  dir = mkdtempSync(join(tmpdir(), "mqlab-namesrv-"));
  client = new RemotingClient(env);
  await startNamesrv();
});

afterEach(async () => {
  client.shutdown();
  await controller.shutdown();
  env.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(code: number, extFields: Record<string, string> = {}, body?: Uint8Array, version?: number): Promise<RemotingCommand> {
  return client.invokeSync(addr, createRequest(code, extFields, body, version === undefined ? {} : { version }), 3000);
}

function registerHeader(brokerName: string, brokerAddr: string, brokerId: number, extra: Record<string, string> = {}) {
  return { brokerName, brokerAddr, clusterName: "DefaultCluster", haServerAddr: brokerAddr.replace(/:\d+$/, ":10912"), brokerId: String(brokerId), ...extra };
}

function registerBody(topics = [newTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4, order: true, topicSysFlag: 1 })], compress = false) {
  return encodeRegisterBrokerBody({
    topicConfigSerializeWrapper: { topicConfigTable: new Map(topics.map((t) => [t.topicName, t])), dataVersion: { timestamp: 1, counter: 1 } },
    filterServerList: [],
  }, compress);
}

test("register → route (bare keys for old clients, standard JSON for ≥ 4.9.4) → cluster info → topic lists", async () => {
  assert.equal((await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0), registerBody())).code, 0);
  const slave = await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.2:10911", 1), registerBody());
  assert.deepStrictEqual(slave.extFields, { haServerAddr: "127.0.0.1:10912", masterAddr: "127.0.0.1:10911" });

  const old = await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" }, undefined, 121);
  assert.match(fromUtf8(old.body!), /"brokerAddrs":\{0:"127.0.0.1:10911",1:"127.0.0.2:10911"\}/);
  const modern = await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" }, undefined, 407);
  assert.match(fromUtf8(modern.body!), /"brokerAddrs":\{"0":"127.0.0.1:10911","1":"127.0.0.2:10911"\}/);
  const opted = await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest", acceptStandardJsonOnly: "true" }, undefined, 121);
  assert.deepStrictEqual(decodeTopicRouteData(opted.body), decodeTopicRouteData(old.body));
  assert.deepStrictEqual(decodeTopicRouteData(old.body).queueDatas, [{ brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 1 }]);

  const info = decodeClusterInfo((await call(RequestCode.GET_BROKER_CLUSTER_INFO)).body);
  assert.deepStrictEqual(info.clusterAddrTable, new Map([["DefaultCluster", ["broker-a"]]]));
  assert.deepStrictEqual(decodeTopicList((await call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).body).topicList, ["TopicTest"]);
  assert.deepStrictEqual(decodeTopicList((await call(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: "DefaultCluster" })).body).topicList, ["TopicTest"]);
});

test("unknown topic → TOPIC_NOT_EXIST (17) with RocketMQ's remark", async () => {
  const response = await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Missing" });
  assert.equal(response.code, ResponseCode.TOPIC_NOT_EXIST);
  assert.equal(response.remark, "No topic route info in name server for the topic: Missing\nSee http://rocketmq.apache.org/docs/faq/ for further details.");
});

test("body CRC: a matching bodyCrc32 registers, a wrong one → SYSTEM_ERROR crc32 not match; compressed bodies register", async () => {
  const body = registerBody();
  const good = (crc32(body) & 0x7fffffff).toString();
  assert.equal((await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0, { bodyCrc32: good }), body)).code, 0);
  const bad = await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0, { bodyCrc32: "12345" }), body);
  assert.deepStrictEqual([bad.code, bad.remark], [ResponseCode.SYSTEM_ERROR, "crc32 not match"]);
  const compressed = registerBody([newTopicConfig("Zipped", { order: true, topicSysFlag: 1 })], true);
  const zipped = await call(RequestCode.REGISTER_BROKER, registerHeader("broker-z", "127.0.0.3:10911", 0, { compressed: "true" }), compressed);
  assert.equal(zipped.code, 0);
  const route = decodeTopicRouteData((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Zipped" })).body);
  assert.equal(route.queueDatas[0]!.topicSysFlag, 0, "the compressed form carries no sysFlag, as in RocketMQ");
  const broken = await call(RequestCode.REGISTER_BROKER, registerHeader("broker-z", "127.0.0.3:10911", 0), utf8("{nope"));
  assert.equal(broken.code, ResponseCode.SYSTEM_ERROR);
  const missing = await call(RequestCode.REGISTER_BROKER, { brokerName: "x" });
  assert.deepStrictEqual([missing.code, missing.remark], [ResponseCode.SYSTEM_ERROR, "missing required header field brokerAddr"]);
});

test("KV config: put, get, list, order topic conf in register response, delete, GET missing → 22", async () => {
  assert.equal((await call(RequestCode.PUT_KV_CONFIG, { namespace: "ORDER_TOPIC_CONFIG", key: "TopicTest", value: "broker-a:4" })).code, 0);
  const got = await call(RequestCode.GET_KV_CONFIG, { namespace: "ORDER_TOPIC_CONFIG", key: "TopicTest" });
  assert.equal(got.extFields["value"], "broker-a:4");
  assert.deepStrictEqual(decodeKVTable((await call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: "ORDER_TOPIC_CONFIG" })).body), new Map([["TopicTest", "broker-a:4"]]));
  const registered = await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0), registerBody());
  assert.deepStrictEqual(decodeKVTable(registered.body), new Map([["TopicTest", "broker-a:4"]]));
  assert.equal((await call(RequestCode.DELETE_KV_CONFIG, { namespace: "ORDER_TOPIC_CONFIG", key: "TopicTest" })).code, 0);
  const missing = await call(RequestCode.GET_KV_CONFIG, { namespace: "ORDER_TOPIC_CONFIG", key: "TopicTest" });
  assert.deepStrictEqual([missing.code, missing.remark], [ResponseCode.QUERY_NOT_FOUND, "No config item, Namespace: ORDER_TOPIC_CONFIG Key: TopicTest"]);
  assert.equal((await call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: "NOPE" })).code, ResponseCode.QUERY_NOT_FOUND);
});

test("KV config survives a restart (kvConfig.json written atomically)", async () => {
  await call(RequestCode.PUT_KV_CONFIG, { namespace: "NS", key: "k", value: "v" });
  await controller.shutdown();
  client.shutdown();
  client = new RemotingClient(env);
  await startNamesrv();
  assert.equal((await call(RequestCode.GET_KV_CONFIG, { namespace: "NS", key: "k" })).extFields["value"], "v");
});

test("orderTopicConf is added to routes only with orderMessageEnable, as in RocketMQ", async () => {
  await controller.shutdown();
  await startNamesrv({ orderMessageEnable: true });
  await call(RequestCode.PUT_KV_CONFIG, { namespace: "ORDER_TOPIC_CONFIG", key: "TopicTest", value: "broker-a:4" });
  await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0), registerBody());
  const route = decodeTopicRouteData((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" })).body);
  assert.equal(route.orderTopicConf, "broker-a:4");
});

test("wipe/add write perm, delete topic, data version, unregister, namesrv config", async () => {
  await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0), registerBody());
  assert.equal((await call(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "broker-a" })).extFields["wipeTopicCount"], "1");
  assert.equal(decodeTopicRouteData((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" })).body).queueDatas[0]!.perm, 4);
  assert.equal((await call(RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: "broker-a" })).extFields["addTopicCount"], "1");
  const versionHeader = { brokerName: "broker-a", brokerAddr: "127.0.0.1:10911", clusterName: "DefaultCluster", brokerId: "0" };
  const same = await call(RequestCode.QUERY_DATA_VERSION, versionHeader, encodeJsonBody({ counter: 1, timestamp: 1 }));
  assert.equal(same.extFields["changed"], "false");
  assert.equal((await call(RequestCode.QUERY_DATA_VERSION, versionHeader, encodeJsonBody({ counter: 2, timestamp: 5 }))).extFields["changed"], "true");
  assert.equal((await call(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: "TopicTest" })).code, 0);
  assert.equal((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" })).code, ResponseCode.TOPIC_NOT_EXIST);
  assert.equal((await call(RequestCode.UNREGISTER_BROKER, versionHeader)).code, 0);
  assert.equal(decodeClusterInfo((await call(RequestCode.GET_BROKER_CLUSTER_INFO)).body).brokerAddrTable.size, 0);
  assert.match(fromUtf8((await call(RequestCode.GET_NAMESRV_CONFIG)).body!), /^brokerChannelExpiredTimeMs=120000$/m);
});

async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) assert.fail("condition not reached in time");
    await new Promise((done) => setTimeout(done, 10));
  }
}

// Issue 20 (it failed about 1 run in 6 to 10 here, idle): expiry also closes the expired
// broker's connection, as RocketMQ's scanNotActiveBroker does, and this client shares it, so a
// request sent before the client saw that close raced it ("connection closed before the response
// arrived"). The test now waits for the close, and asserts it. The timing bounds hold however
// late timers fire: the registration happens after `sentAtMs`, so it cannot expire before
// sentAtMs + 200; the close is tested with a long expiry, so a removal within seconds can only
// be the close's doing.
test("liveness: a silent broker expires after brokerChannelExpiredTimeMs; a closed connection removes it at once", async () => {
  await controller.shutdown();
  await startNamesrv({ scanNotActiveBrokerDelayMs: 20, scanNotActiveBrokerIntervalMs: 20, brokerChannelExpiredTimeMs: 200 });
  const sentAtMs = Date.now();
  await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0), registerBody());
  await eventually(() => controller.routeInfoManager.brokerLiveTable.size === 0, 15_000);
  assert.ok(Date.now() - sentAtMs > 200, `expired ${Date.now() - sentAtMs} ms after the registration was sent: not before its time`);
  await eventually(() => !client.addresses().includes(addr), 15_000);
  assert.equal((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" })).code, ResponseCode.TOPIC_NOT_EXIST);

  await controller.shutdown();
  await startNamesrv({ scanNotActiveBrokerDelayMs: 20, scanNotActiveBrokerIntervalMs: 20, brokerChannelExpiredTimeMs: 600_000 });
  await call(RequestCode.REGISTER_BROKER, registerHeader("broker-a", "127.0.0.1:10911", 0), registerBody());
  assert.equal(controller.routeInfoManager.brokerLiveTable.size, 1);
  client.closeChannel(addr);
  await eventually(() => controller.routeInfoManager.brokerLiveTable.size === 0, 10_000);
});

test("listening on a taken port rejects with EADDRINUSE", async () => {
  const second = new NamesrvController(env, { ...defaultNamesrvConfig(dir), listenHost: "127.0.0.1", listenPort: controller.listenPort });
  await assert.rejects(second.start(), /EADDRINUSE/);
  await second.shutdown();
});
