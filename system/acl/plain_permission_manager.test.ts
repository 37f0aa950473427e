// Every rule of PlainPermissionManager.validate/checkPerm and PlainAccessValidator.parse, with
// the exact remarks RocketMQ 4.9.8 sends (class, message and stack frame).
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeHeartbeatData } from "../protocol/heartbeat.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { createRequest } from "../remoting/remoting_command.ts";
import { aclMessage, signed, snapshotOf } from "./acl_testing.ts";
import { checkRequest } from "./plain_permission_manager.ts";

const yaml = `
globalWhiteRemoteAddresses:
  - 10.10.103.*
  - 192.168.0.*
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
      - topicC=SUB
      - topicD=PUB
    groupPerms:
      - groupA=DENY
      - groupB=PUB|SUB
      - groupC=SUB
  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    admin: true
  - accessKey: adminWithLists
    secretKey: 12345678
    admin: true
    topicPerms:
      - topicX=PUB
  - accessKey: noDefaults
    secretKey: 12345678
    topicPerms:
      - topicB=SUB
`;
const snapshot = snapshotOf(yaml);
const client = "172.16.0.9:50000";

function remark(request: ReturnType<typeof signed>, remote = client): string | undefined {
  return checkRequest(snapshot, remote, request);
}

const send = (topic: string, key = "RocketMQ", group = "PG"): ReturnType<typeof signed> =>
  signed(RequestCode.SEND_MESSAGE_V2, { a: group, b: topic, c: "TBW102" }, key, "12345678", new TextEncoder().encode("x"));

test("global white address: allowed without any key", () => {
  assert.equal(checkRequest(snapshot, "10.10.103.7:1234", createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: "x" })), undefined);
  assert.equal(checkRequest(snapshot, "192.168.0.250:1", createRequest(RequestCode.SEND_MESSAGE_V2, { b: "topicA" })), undefined);
});

test("no AccessKey: code 1 remark 'No accessKey is configured' with the validate frame", () => {
  assert.equal(
    checkRequest(snapshot, client, createRequest(RequestCode.SEND_MESSAGE_V2, { b: "topicB" })),
    "org.apache.rocketmq.acl.common.AclException: No accessKey is configured, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)",
  );
});

test("unknown key: 'No acl config for X'", () => {
  assert.equal(
    remark(signed(RequestCode.SEND_MESSAGE_V2, { b: "topicB" }, "stranger", "12345678")),
    "org.apache.rocketmq.acl.common.AclException: No acl config for stranger, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:668)",
  );
});

test("bad signature: 'Check signature failed for accessKey=X'", () => {
  const request = signed(RequestCode.SEND_MESSAGE_V2, { b: "topicB" }, "RocketMQ", "wrong-secret");
  assert.equal(
    remark(request),
    "org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=RocketMQ, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)",
  );
  const tampered = send("topicB");
  tampered.extFields["b"] = "topicC";
  assert.equal(aclMessage(remark(tampered)), "Check signature failed for accessKey=RocketMQ");
});

test("account white address: matching host skips the signature check", () => {
  const unsigned = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { AccessKey: "rocketmq2", Signature: "garbage" });
  assert.equal(checkRequest(snapshot, "192.168.1.20:4000", unsigned), undefined);
  assert.equal(aclMessage(checkRequest(snapshot, "192.168.2.20:4000", unsigned)), "Check signature failed for accessKey=rocketmq2");
});

test("send: PUB on the topic (explicit perm), DENY refuses, SUB alone refuses", () => {
  assert.equal(remark(send("topicB")), undefined);
  assert.equal(remark(send("topicD")), undefined);
  assert.equal(remark(send("topicA")),
    "org.apache.rocketmq.acl.common.AclException: No default permission for topic:topicA, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:611)");
  assert.equal(aclMessage(remark(send("topicC"))), "No default permission for topic:topicC");
});

test("send: unlisted topic falls back to defaultTopicPerm (DENY here)", () => {
  assert.equal(remark(send("other")),
    "org.apache.rocketmq.acl.common.AclException: No default permission for topic:other, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)");
});

test("missing defaultTopicPerm/defaultGroupPerm means DENY", () => {
  assert.equal(remark(send("topicZ", "noDefaults")), "org.apache.rocketmq.acl.common.AclException: No default permission for topic:topicZ, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)");
  const pull = signed(RequestCode.PULL_MESSAGE, { topic: "topicB", consumerGroup: "g1" }, "noDefaults", "12345678");
  assert.equal(aclMessage(remark(pull)), "No default permission for group:g1");
});

test("send to a retry topic needs SUB on the group's retry topic instead of PUB", () => {
  assert.equal(remark(send("%RETRY%groupB", "RocketMQ", "groupB")), undefined);
  assert.equal(remark(send("%RETRY%groupC", "RocketMQ", "groupC")), undefined);
  assert.equal(aclMessage(remark(send("%RETRY%groupA", "RocketMQ", "groupA"))), "No default permission for group:groupA");
  const v1 = signed(RequestCode.SEND_MESSAGE, { topic: "%RETRY%groupA", group: "groupA" }, "RocketMQ", "12345678");
  assert.equal(aclMessage(remark(v1)), "No default permission for group:groupA");
  const v1ok = signed(RequestCode.SEND_MESSAGE, { topic: "topicB", producerGroup: "x" }, "RocketMQ", "12345678");
  assert.equal(remark(v1ok), undefined);
});

test("pull: SUB on the topic and on %RETRY%group (default group perm SUB)", () => {
  const pull = (topic: string, group: string): string | undefined =>
    remark(signed(RequestCode.PULL_MESSAGE, { topic, consumerGroup: group, queueId: "0" }, "RocketMQ", "12345678"));
  assert.equal(pull("topicB", "groupB"), undefined);
  assert.equal(pull("topicC", "anyGroup"), undefined);
  assert.equal(aclMessage(pull("topicD", "groupB")), "No default permission for topic:topicD");
  assert.equal(aclMessage(pull("topicB", "groupA")), "No default permission for group:groupA");
});

test("consumer send-back: SUB on %RETRY%group", () => {
  const back = (group: string): string | undefined => remark(signed(RequestCode.CONSUMER_SEND_MSG_BACK, { group, offset: "1" }, "RocketMQ", "12345678"));
  assert.equal(back("groupC"), undefined);
  assert.equal(aclMessage(back("groupA")), "No default permission for group:groupA");
});

test("query message: SUB on the topic", () => {
  const query = (topic: string): string | undefined => remark(signed(RequestCode.QUERY_MESSAGE, { topic, key: "k", maxNum: "32", beginTimestamp: "0", endTimestamp: "1" }, "RocketMQ", "12345678"));
  assert.equal(query("topicC"), undefined);
  assert.equal(aclMessage(query("topicD")), "No default permission for topic:topicD");
});

test("heartbeat: every consumer group and every subscribed topic need SUB", () => {
  const subscription = (topic: string) => ({ topic, subString: "*", tagsSet: [], codeSet: [], subVersion: 1, expressionType: "TAG", classFilterMode: false });
  const beat = (group: string, topics: string[]): string | undefined => remark(signed(RequestCode.HEART_BEAT, {}, "RocketMQ", "12345678", encodeHeartbeatData({
    clientID: "c1", producerDataSet: [{ groupName: "PG" }],
    consumerDataSet: [{ groupName: group, consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", subscriptionDataSet: topics.map(subscription), unitMode: false }],
  })));
  assert.equal(beat("groupB", ["topicB", "topicC"]), undefined);
  assert.equal(aclMessage(beat("groupB", ["topicB", "topicD"])), "No default permission for topic:topicD");
  assert.equal(aclMessage(beat("groupA", ["topicB"])), "No default permission for group:groupA");
  const producerOnly = remark(signed(RequestCode.HEART_BEAT, {}, "RocketMQ", "12345678", encodeHeartbeatData({ clientID: "c1", producerDataSet: [{ groupName: "PG" }], consumerDataSet: [] })));
  assert.equal(producerOnly, undefined);
});

test("unregister client / consumer list by group: SUB on %RETRY%consumerGroup; a missing required field is parse's AclException", () => {
  assert.equal(remark(signed(RequestCode.UNREGISTER_CLIENT, { clientID: "c", consumerGroup: "groupB" }, "RocketMQ", "12345678")), undefined);
  assert.equal(aclMessage(remark(signed(RequestCode.UNREGISTER_CLIENT, { clientID: "c", consumerGroup: "groupA" }, "RocketMQ", "12345678"))), "No default permission for group:groupA");
  assert.equal(remark(signed(RequestCode.UNREGISTER_CLIENT, { clientID: "c", producerGroup: "PG" }, "RocketMQ", "12345678")), undefined);
  assert.equal(aclMessage(remark(signed(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "groupA" }, "RocketMQ", "12345678"))), "No default permission for group:groupA");
  assert.equal(remark(signed(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {}, "RocketMQ", "12345678")),
    "org.apache.rocketmq.acl.common.AclException: the custom field <consumerGroup> is null, org.apache.rocketmq.acl.plain.PlainAccessValidator.parse(PlainAccessValidator.java:134)");
});

test("update consumer offset: SUB on the group and on the topic", () => {
  const update = (topic: string, group: string): string | undefined => remark(signed(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: group, topic, queueId: "0", commitOffset: "5" }, "RocketMQ", "12345678"));
  assert.equal(update("topicC", "groupC"), undefined);
  assert.equal(aclMessage(update("topicD", "groupC")), "No default permission for topic:topicD");
  assert.equal(aclMessage(update("topicC", "groupA")), "No default permission for group:groupA");
});

test("admin codes 17, 25, 215, 200, 207 need admin: true; other codes need only the signature", () => {
  for (const code of [RequestCode.UPDATE_AND_CREATE_TOPIC, RequestCode.UPDATE_BROKER_CONFIG, RequestCode.DELETE_TOPIC_IN_BROKER, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, RequestCode.DELETE_SUBSCRIPTIONGROUP]) {
    assert.equal(remark(signed(code, { topic: "t" }, "RocketMQ", "12345678")),
      `org.apache.rocketmq.acl.common.AclException: Need admin permission for request code=${code}, but accessKey=RocketMQ is not, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:581)`);
    assert.equal(remark(signed(code, { topic: "t" }, "rocketmq2", "12345678")), undefined);
  }
  // The ACL admin codes and plain reads are not admin-only in 4.9.8.
  for (const code of [RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, RequestCode.GET_ROUTEINFO_BY_TOPIC, RequestCode.GET_ALL_TOPIC_CONFIG]) {
    assert.equal(remark(signed(code, { accessKey: "x" }, "RocketMQ", "12345678")), undefined);
  }
});

test("an admin without topicPerms/groupPerms may use every resource; with lists it is checked like anyone", () => {
  assert.equal(remark(send("anything", "rocketmq2")), undefined);
  assert.equal(remark(send("topicX", "adminWithLists")), undefined);
  assert.equal(aclMessage(remark(send("topicY", "adminWithLists"))), "No default permission for topic:topicY");
});

test("PUB on RMQ_SYS_TRACE_TOPIC is always allowed once signed", () => {
  assert.equal(remark(send("RMQ_SYS_TRACE_TOPIC")), undefined);
  assert.equal(aclMessage(remark(signed(RequestCode.PULL_MESSAGE, { topic: "RMQ_SYS_TRACE_TOPIC", consumerGroup: "groupB" }, "RocketMQ", "12345678"))), "No default permission for topic:RMQ_SYS_TRACE_TOPIC");
});

test("several denied resources: the remark names the first in Java HashMap order", () => {
  // PULL topicA + %RETRY%groupA: "topicA".hashCode() = -868034318 → bucket 0, "%RETRY%groupA" =
  // 810338084 → bucket 8 (16 buckets, index = (h ^ h >>> 16) & 15), so Java names the topic,
  // although parse inserted it first anyway; with topic "other2" (bucket 15) the group comes first.
  const pull = remark(signed(RequestCode.PULL_MESSAGE, { topic: "topicA", consumerGroup: "groupA" }, "RocketMQ", "12345678"));
  assert.equal(aclMessage(pull), "No default permission for topic:topicA");
  const pull2 = remark(signed(RequestCode.PULL_MESSAGE, { topic: "other2", consumerGroup: "groupA" }, "RocketMQ", "12345678"));
  assert.equal(aclMessage(pull2), "No default permission for group:groupA");
});

test("_UNIQUE_KEY_QUERY is signed by the client but not by the broker (a 4.9.8 quirk): such a query fails the signature", () => {
  const query = signed(RequestCode.QUERY_MESSAGE, { topic: "topicC", key: "k", _UNIQUE_KEY_QUERY: "true" }, "RocketMQ", "12345678");
  assert.equal(aclMessage(remark(query)), "Check signature failed for accessKey=RocketMQ");
  const empty = signed(RequestCode.QUERY_MESSAGE, { topic: "topicC", key: "k", _UNIQUE_KEY_QUERY: "" }, "RocketMQ", "12345678");
  assert.equal(remark(empty), undefined);
});
