// A broker with aclEnable=true on the real Env (loopback): our Producer, PullConsumer and
// AdminClient with accessKey/secretKey work; a wrong secret, a missing key or a missing
// permission get SYSTEM_ERROR (1) with RocketMQ's remark and nothing is stored; admin codes
// 50–53 edit plain_acl.yml over the wire.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../client/admin/admin_client.ts";
import { MQBrokerError } from "../client/client_errors.ts";
import { PullConsumer } from "../client/consumer/pull_consumer.ts";
import { Producer } from "../client/producer/producer.ts";
import { bodyText } from "../client/message.ts";
import { startLocalCluster } from "../client/testing/local_cluster.ts";
import type { LocalCluster } from "../client/testing/local_cluster.ts";
import { createRequest, RemotingClient, RequestCode, ResponseCode } from "../remoting/index.ts";
import { AclClientRpcHook } from "./acl_client_hook.ts";
import { aclMessage } from "./acl_testing.ts";

const aclYaml = `
accounts:
  - accessKey: adminUser
    secretKey: adminSecret
    admin: true
  - accessKey: appUser1
    secretKey: appSecret1
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - AclTopic=PUB|SUB
      - ReadOnly=SUB
`;

let cluster: LocalCluster;
let root: string;
const admin = { accessKey: "adminUser", secretKey: "adminSecret" };
const app = { accessKey: "appUser1", secretKey: "appSecret1" };

before(async () => {
  root = mkdtempSync(join(tmpdir(), "mqlab-acl-"));
  mkdirSync(join(root, "broker-a", "conf"), { recursive: true });
  writeFileSync(join(root, "broker-a", "conf", "plain_acl.yml"), aclYaml);
  cluster = await startLocalCluster({ rootDir: root, brokerOverrides: { aclEnable: true } });
  const adminClient = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs, ...admin });
  adminClient.start();
  for (const topic of ["AclTopic", "ReadOnly"]) await adminClient.createTopic({ topic, readQueueNums: 1, writeQueueNums: 1 });
  adminClient.shutdown();
});

after(async () => {
  await cluster?.stop();
});

function storedCount(topic: string): number {
  return cluster.brokers.get("broker-a")!.store.getMaxOffsetInQueue(topic, 0);
}

async function brokerError(promise: Promise<unknown>): Promise<MQBrokerError> {
  try {
    await promise;
  } catch (error) {
    let cause: unknown = error;
    while (cause instanceof Error && !(cause instanceof MQBrokerError) && cause.cause !== undefined) cause = cause.cause;
    if (cause instanceof MQBrokerError) return cause;
    throw error;
  }
  throw new Error("expected a broker error");
}

test("a signed producer and consumer work; a wrong secret is refused with code 1 and stores nothing", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "AclPG", ...app });
  await producer.start();
  const result = await producer.send({ topic: "AclTopic", body: new TextEncoder().encode("signed") });
  assert.equal(result.sendStatus, "SEND_OK");
  await producer.shutdown();
  assert.equal(storedCount("AclTopic"), 1);

  const wrong = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "AclPG2", accessKey: "appUser1", secretKey: "not-the-secret", retryTimesWhenSendFailed: 0 });
  await wrong.start();
  const error = await brokerError(wrong.send({ topic: "AclTopic", body: new TextEncoder().encode("forged") }));
  assert.equal(error.responseCode, ResponseCode.SYSTEM_ERROR);
  assert.equal(error.remark, "org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=appUser1, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)");
  await wrong.shutdown();
  assert.equal(storedCount("AclTopic"), 1, "nothing stored on rejection");

  const consumer = new PullConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: "AclCG", ...app });
  await consumer.start();
  const [queue] = await consumer.fetchSubscribeMessageQueues("AclTopic");
  const pulled = await consumer.pull(queue!, "*", 0, 32);
  assert.deepEqual(pulled.msgFoundList.map(bodyText), ["signed"]);
  await consumer.shutdown();
});

test("missing permission and missing key: code 1 with the remark; nothing stored", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "AclPG3", ...app, retryTimesWhenSendFailed: 0 });
  await producer.start();
  const denied = await brokerError(producer.send({ topic: "ReadOnly", body: new TextEncoder().encode("x") }));
  assert.equal(aclMessage(denied.remark), "No default permission for topic:ReadOnly");
  await producer.shutdown();
  assert.equal(storedCount("ReadOnly"), 0);

  const anonymous = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "AclPG4", retryTimesWhenSendFailed: 0 });
  await anonymous.start();
  const missing = await brokerError(anonymous.send({ topic: "AclTopic", body: new TextEncoder().encode("x") }));
  assert.equal(aclMessage(missing.remark), "No accessKey is configured");
  await anonymous.shutdown();

  const noKeysAdmin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  noKeysAdmin.start();
  const refused = await brokerError(noKeysAdmin.createTopic({ topic: "Nope" }));
  assert.equal(aclMessage(refused.remark), "No accessKey is configured");
  noKeysAdmin.shutdown();
  const appAdmin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs, ...app });
  appAdmin.start();
  const notAdmin = await brokerError(appAdmin.createTopic({ topic: "Nope" }));
  assert.equal(aclMessage(notAdmin.remark), "Need admin permission for request code=17, but accessKey=appUser1 is not");
  appAdmin.shutdown();
});

test("admin codes 50–53 edit plain_acl.yml; the new account works at once", async () => {
  const remoting = new RemotingClient(cluster.env, { rpcHook: new AclClientRpcHook(admin) });
  const addr = cluster.brokerAddr("broker-a");
  try {
    const created = await remoting.invokeSync(addr, createRequest(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, {
      accessKey: "lateUser1", secretKey: "lateSecret1", defaultTopicPerm: "PUB", admin: "false",
    }), 3000);
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
    assert.match(readFileSync(join(root, "broker-a", "conf", "plain_acl.yml"), "utf8"), /lateUser1/);
    const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "LatePG", accessKey: "lateUser1", secretKey: "lateSecret1" });
    await producer.start();
    assert.equal((await producer.send({ topic: "AclTopic", body: new TextEncoder().encode("late") })).sendStatus, "SEND_OK");
    await producer.shutdown();
    const info = await remoting.invokeSync(addr, createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_INFO, {}), 3000);
    assert.equal(info.code, ResponseCode.SUCCESS);
    assert.equal(info.extFields["brokerName"], "broker-a");
    assert.match(info.extFields["version"] ?? "", /"counter":1/);
    const short = await remoting.invokeSync(addr, createRequest(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, { accessKey: "abc", secretKey: "x" }), 3000);
    assert.equal(short.code, ResponseCode.UPDATE_AND_CREATE_ACL_CONFIG_FAILED);
    assert.equal(short.remark, "The accessKey=abc and secretKey=x cannot be null and length should longer than 6");
    const deleted = await remoting.invokeSync(addr, createRequest(RequestCode.DELETE_ACL_CONFIG, { accessKey: "lateUser1" }), 3000);
    assert.equal(deleted.code, ResponseCode.SUCCESS);
    const again = await remoting.invokeSync(addr, createRequest(RequestCode.DELETE_ACL_CONFIG, { accessKey: "lateUser1" }), 3000);
    assert.equal(again.code, ResponseCode.DELETE_ACL_CONFIG_FAILED);
    assert.equal(again.remark, "The accesskey[lateUser1] corresponding to accessConfig has been deleted failed.");
    const white = await remoting.invokeSync(addr, createRequest(RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, { globalWhiteAddrs: "10.9.9.*", aclFileFullPath: "" }), 3000);
    assert.equal(white.code, ResponseCode.SUCCESS, white.remark);
    assert.match(readFileSync(join(root, "broker-a", "conf", "plain_acl.yml"), "utf8"), /10\.9\.9\.\*/);
  } finally {
    remoting.shutdown();
  }
});

test("a broker whose plain_acl.yml is malformed refuses to start, naming file and line", async () => {
  const { BrokerController } = await import("../broker/broker_controller.ts");
  const { testBrokerConfig } = await import("../broker/testing/broker_fixture.ts");
  const dir = join(root, "broken");
  mkdirSync(join(dir, "conf"), { recursive: true });
  writeFileSync(join(dir, "conf", "plain_acl.yml"), "accounts:\n  - accessKey: abcdefgh\n    secretKey: 12345678\n    whiteRemoteAddress: 10.0.0.300\n");
  const broker = new BrokerController(cluster.env, testBrokerConfig(dir, { aclEnable: true, brokerName: "broken" }), { namesrvAddrs: [] });
  await assert.rejects(broker.start(), (error: unknown) => error instanceof Error &&
    error.message === `ACL config is invalid: ${join(dir, "conf", "plain_acl.yml")}:2: Netaddress examine Exception netaddress is 10.0.0.300`);
});
