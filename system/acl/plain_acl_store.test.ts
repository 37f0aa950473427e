// The ACL files on disk: load order and duplicate keys, reload on change through the Env's
// timers, keep-last-good on a malformed edit, and the admin edits (50, 51, 53).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTestEnv } from "../store/testing/test_env.ts";
import type { TestEnv } from "../store/testing/test_env.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { aclMessage, signed } from "./acl_testing.ts";
import { PlainAclStore } from "./plain_acl_store.ts";

const home = "/opt/rocketmq";
const encoder = new TextEncoder();

function write(env: TestEnv, path: string, text: string): void {
  env.disk.mkdirs(path.slice(0, path.lastIndexOf("/")));
  const file = env.disk.open(path, { create: true });
  file.truncate(0);
  file.write(0, encoder.encode(text));
  file.close();
}

const account = (key: string, secret: string, extra = ""): string =>
  `  - accessKey: ${key}\n    secretKey: ${secret}\n    defaultTopicPerm: PUB\n${extra}`;

function sendCheck(store: PlainAclStore, key: string, secret: string, topic = "T1"): string | undefined {
  return aclMessage(store.check("10.1.1.1:5000", signed(RequestCode.SEND_MESSAGE_V2, { a: "PG", b: topic }, key, secret)));
}

test("plain_acl.yml plus conf/acl/**/*.yml; the first file defining a key owns it", () => {
  const env = createTestEnv();
  write(env, `${home}/conf/plain_acl.yml`, `accounts:\n${account("producer1", "secret-default")}`);
  write(env, `${home}/conf/acl/a.yml`, `accounts:\n${account("producer1", "secret-from-a")}`);
  write(env, `${home}/conf/acl/team/b.yaml`, `accounts:\n${account("producer2", "secret-b")}`);
  write(env, `${home}/conf/acl/README`, "not yaml");
  const store = new PlainAclStore(env, { rocketmqHome: home });
  assert.equal(store.load(), undefined);
  assert.equal(sendCheck(store, "producer1", "secret-from-a"), undefined);
  assert.equal(sendCheck(store, "producer1", "secret-default"), "Check signature failed for accessKey=producer1");
  assert.equal(sendCheck(store, "producer2", "secret-b"), undefined);
});

test("no file at all: every keyless request is refused; the empty default file is created (for code 53)", async () => {
  const env = createTestEnv();
  const store = new PlainAclStore(env, { rocketmqHome: home });
  store.ensureDefaultFile();
  assert.equal(env.disk.readFile(store.defaultFile)?.length, 0);
  assert.equal(store.load(), undefined);
  assert.equal(await store.updateGlobalWhiteAddrs(["10.9.*.*"], ""), true);
  assert.equal(sendCheck(store, "producer1", "whatever"), "No acl config for producer1");
});

test("an edit is picked up on the next watch tick; a malformed edit keeps the last good config", () => {
  const env = createTestEnv();
  const path = `${home}/conf/plain_acl.yml`;
  write(env, path, `accounts:\n${account("producer1", "secret-one")}`);
  const store = new PlainAclStore(env, { rocketmqHome: home, watchIntervalMs: 5000 });
  store.load();
  store.start();
  write(env, path, `accounts:\n${account("producer1", "secret-two")}`);
  assert.equal(sendCheck(store, "producer1", "secret-one"), undefined, "not reloaded before the tick");
  env.time.advance(5000);
  assert.equal(sendCheck(store, "producer1", "secret-two"), undefined);
  assert.equal(sendCheck(store, "producer1", "secret-one"), "Check signature failed for accessKey=producer1");
  write(env, path, `accounts:\n  - accessKey: producer1\n    secretKey: [oops\n`);
  env.time.advance(5000);
  assert.equal(store.lastError?.message, "/opt/rocketmq/conf/plain_acl.yml:4: Flow sequence in block collection must be sufficiently indented and end with a ]");
  assert.equal(sendCheck(store, "producer1", "secret-two"), undefined, "last good config kept");
  write(env, path, `accounts:\n${account("producer1", "secret-three")}`);
  env.time.advance(5000);
  assert.equal(store.lastError, undefined);
  assert.equal(sendCheck(store, "producer1", "secret-three"), undefined);
  store.stop();
});

test("a revoked permission applies at the next reload", () => {
  const env = createTestEnv();
  const path = `${home}/conf/plain_acl.yml`;
  write(env, path, `accounts:\n${account("producer1", "secret-one", "    topicPerms:\n      - T1=PUB\n")}`);
  const store = new PlainAclStore(env, { rocketmqHome: home, watchIntervalMs: 1000 });
  store.load();
  store.start();
  assert.equal(sendCheck(store, "producer1", "secret-one"), undefined);
  write(env, path, `accounts:\n${account("producer1", "secret-one", "    topicPerms:\n      - T1=DENY\n")}`);
  env.time.advance(1000);
  assert.equal(sendCheck(store, "producer1", "secret-one"), "No default permission for topic:T1");
  store.stop();
});

test("admin edits: create, update (keeping absent fields), delete, global white list; data versions grow", async () => {
  const env = createTestEnv();
  const store = new PlainAclStore(env, { rocketmqHome: home });
  store.load();
  await store.updateAccessConfig({ accessKey: "newUser1", secretKey: "newSecret1", whiteRemoteAddress: undefined, admin: false, defaultTopicPerm: "PUB", defaultGroupPerm: undefined, topicPerms: ["T2=DENY"], groupPerms: undefined });
  assert.equal(sendCheck(store, "newUser1", "newSecret1"), undefined);
  assert.equal(sendCheck(store, "newUser1", "newSecret1", "T2"), "No default permission for topic:T2");
  await store.updateAccessConfig({ accessKey: "newUser1", secretKey: "rotated99", whiteRemoteAddress: undefined, admin: false, defaultTopicPerm: undefined, defaultGroupPerm: undefined, topicPerms: undefined, groupPerms: undefined });
  assert.equal(sendCheck(store, "newUser1", "rotated99", "T2"), "No default permission for topic:T2", "topicPerms kept");
  assert.equal(store.dataVersions().get(store.defaultFile)?.counter, 2);
  await assert.rejects(store.updateAccessConfig({ accessKey: "short", secretKey: "x", whiteRemoteAddress: undefined, admin: false, defaultTopicPerm: undefined, defaultGroupPerm: undefined, topicPerms: undefined, groupPerms: undefined }),
    /The accessKey=short and secretKey=x cannot be null and length should longer than 6/);
  await assert.rejects(store.updateAccessConfig({ accessKey: "newUser2", secretKey: "newSecret2", whiteRemoteAddress: undefined, admin: false, defaultTopicPerm: undefined, defaultGroupPerm: undefined, topicPerms: ["T=ALL"], groupPerms: undefined }),
    /Parse resource permission error for T=ALL/);
  assert.equal(await store.updateGlobalWhiteAddrs(["10.1.1.*"], ""), true);
  assert.equal(store.check("10.1.1.1:5000", signed(RequestCode.UPDATE_AND_CREATE_TOPIC, {}, "nobody", "x")), undefined);
  assert.equal(await store.updateGlobalWhiteAddrs(["10.1.1.*"], "/etc/elsewhere.yml"), false);
  assert.equal(await store.deleteAccessConfig("newUser1"), true);
  assert.equal(await store.deleteAccessConfig("newUser1"), false);
  assert.equal(aclMessage(store.check("10.2.2.2:5000", signed(RequestCode.SEND_MESSAGE_V2, { b: "T1" }, "newUser1", "rotated99"))), "No acl config for newUser1");
});
