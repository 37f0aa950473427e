// Interop with the third-party ali-ons 3.12.0 client under ACL: a broker process with
// aclEnable=true and plain_acl.yml; ali-ons configured with accessKey/secretKey signs its own
// way (lib/channel.js: AccessKey + OnsChannel + non-null header fields, sorted values, body,
// HmacSHA1) and both produces and consumes; with a wrong secret its send fails with the
// broker's AclException remark and nothing is stored. mqadmin signs with --accessKey/--secretKey
// or $ROCKETMQ_HOME/conf/tools.yml, and without keys cannot manage the cluster.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createRealEnv } from "../env/real/index.ts";
import { AdminClient } from "../client/admin/admin_client.ts";
import type { ProcessCluster, Worker } from "../client/test/worker_support.ts";
import { runMqadmin, spawnAliOns, startProcessCluster, waitUntil } from "../client/test/worker_support.ts";

const env = createRealEnv({ nodeName: "ali-ons-acl", logLevel: "silent" });
const home = mkdtempSync(join(tmpdir(), "mqlab-acl-home-"));
let cluster: ProcessCluster;
let admin: AdminClient;

before(async () => {
  mkdirSync(join(home, "conf"), { recursive: true });
  writeFileSync(join(home, "conf", "plain_acl.yml"), [
    "accounts:",
    "  - accessKey: adminUser",
    "    secretKey: adminSecret",
    "    admin: true",
    "  - accessKey: aliUser1",
    "    secretKey: aliSecret1",
    "    defaultTopicPerm: DENY",
    "    defaultGroupPerm: SUB",
    "    topicPerms:",
    "      - AliAclTopic=PUB|SUB",
    "",
  ].join("\n"));
  cluster = await startProcessCluster(["broker-a"], { aclEnable: true, rocketmqHome: home });
  admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr, accessKey: "adminUser", secretKey: "adminSecret" });
  admin.start();
  await admin.createTopic({ topic: "AliAclTopic", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
});

after(async () => {
  admin?.shutdown();
  await cluster?.stop();
  env.close();
  rmSync(home, { recursive: true, force: true });
});

function lines(worker: Worker, type: string): Record<string, unknown>[] {
  return worker.lines.filter((line) => line.type === type);
}

async function storedCount(): Promise<number> {
  const rows = await admin.topicStatus("AliAclTopic");
  return rows.reduce((sum, [, offset]) => sum + offset.maxOffset, 0);
}

test("ali-ons with accessKey/secretKey produces and consumes against an ACL broker", { timeout: 120_000 }, async () => {
  const consumer = spawnAliOns({ mode: "consume", nameSrv: [cluster.namesrvAddr], topic: "AliAclTopic", group: "AliAclGroup", subExpression: "*", instanceName: "ali-acl-c1", accessKey: "aliUser1", secretKey: "aliSecret1" });
  try {
    await waitUntil("ali-ons consumer ready", () => lines(consumer, "ready").length > 0 || lines(consumer, "fatal").length > 0);
    assert.deepEqual(lines(consumer, "fatal"), [], consumer.stderr());
    const messages = [...Array(6).keys()].map((i) => ({ tags: "TagA", body: `acl-${i}-ünïcödé` }));
    const producer = spawnAliOns({ mode: "produce", nameSrv: [cluster.namesrvAddr], topic: "AliAclTopic", group: "AliAclPG", messages, accessKey: "aliUser1", secretKey: "aliSecret1" });
    assert.equal(await producer.exit, 0, `${JSON.stringify(producer.lines)} ${producer.stderr()}`);
    assert.ok(lines(producer, "sent").every((line) => line["sendStatus"] === "SEND_OK"));
    await waitUntil("ali-ons consumer got every message", () => new Set(lines(consumer, "msg").map((line) => line["body"])).size >= messages.length, 60_000);
    assert.deepEqual([...new Set(lines(consumer, "msg").map((line) => line["body"]))].sort(), messages.map((m) => m.body).sort());
    assert.equal(await storedCount(), 6);
  } finally {
    consumer.child.kill("SIGTERM");
    await consumer.exit;
  }
});

test("ali-ons with a wrong secret: the send fails with the ACL error and nothing is stored", { timeout: 60_000 }, async () => {
  const before = await storedCount();
  const forged = { nameSrv: [cluster.namesrvAddr], topic: "AliAclTopic", group: "AliAclPG2", messages: [{ tags: "TagA", body: "forged" }], accessKey: "aliUser1", secretKey: "wrongSecret" };
  // ali-ons' send() retries and ends with a generic "Send [n] times, still failed"...
  const producer = spawnAliOns({ mode: "produce", ...forged });
  assert.equal(await producer.exit, 2, producer.stderr());
  assert.match(String(lines(producer, "fatal")[0]?.["message"]), /^Send \[\d+\] times, still failed/);
  // ...while one attempt through its send path shows the broker's ACL remark.
  const once = spawnAliOns({ mode: "sendOnce", ...forged });
  assert.equal(await once.exit, 2, once.stderr());
  assert.equal(lines(once, "fatal")[0]?.["message"],
    "org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=aliUser1, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)");
  assert.equal(await storedCount(), before);
});

test("mqadmin without keys cannot manage the cluster; with --accessKey/--secretKey or tools.yml it can", { timeout: 120_000 }, async () => {
  const noKeys = await runMqadmin(["updateTopic", "-n", cluster.namesrvAddr, "-c", "DefaultCluster", "-t", "AdminMade"], { ROCKETMQ_HOME: join(home, "nowhere") });
  // A refused admin call is one line and exit 2, like every mqadmin failure (system/cli/cli_boundary.ts).
  assert.equal(noKeys.code, 2);
  assert.match(noKeys.stderr, /AclException: No accessKey is configured/);
  const half = await runMqadmin(["topicList", "-n", cluster.namesrvAddr, "--accessKey", "adminUser"]);
  assert.equal(half.code, 2);
  assert.equal(half.stderr, "mqadmin topicList: --accessKey and --secretKey go together\n");
  const flags = await runMqadmin(["updateTopic", "-n", cluster.namesrvAddr, "-c", "DefaultCluster", "-t", "AdminMade", "--accessKey", "adminUser", "--secretKey", "adminSecret"]);
  assert.equal(flags.code, 0, flags.stderr);
  writeFileSync(join(home, "conf", "tools.yml"), "accessKey: adminUser\nsecretKey: adminSecret\n");
  const tools = await runMqadmin(["sendMessage", "-n", cluster.namesrvAddr, "-t", "AdminMade", "-p", "via-tools-yml"], { ROCKETMQ_HOME: home });
  assert.equal(tools.code, 0, tools.stderr);
});
