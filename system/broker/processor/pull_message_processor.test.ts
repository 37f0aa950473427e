// PULL_MESSAGE (11) through the broker's real dispatch in the simulator: found / not found /
// retry / offset moved, long polling on virtual time, the offset commit flag, and every refusal
// with the code and remark of RocketMQ 4.9.7 PullMessageProcessor (FAQ suffixes included).
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMessageRecords, PullSysFlag } from "../../message/index.ts";
import { createRequest, fromUtf8, RequestCode, ResponseCode } from "../../remoting/index.ts";
import { BROKER_IP, withProcessorWorld } from "./testing/processor_world.ts";
import type { ProcessorWorld } from "./testing/processor_world.ts";

const FAQ = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";
const SUBSCRIPTION_FLAG = PullSysFlag.FLAG_SUBSCRIPTION;

async function createTopic(pw: ProcessorWorld, topic: string, perm = 6): Promise<void> {
  const created = await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic, defaultTopic: "TBW102", readQueueNums: 2, writeQueueNums: 2, perm, topicFilterType: "SINGLE_TAG", order: false,
  });
  assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
}

async function createGroup(pw: ProcessorWorld, config: Record<string, unknown>): Promise<void> {
  const created = await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify(config));
  assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
}

function assertOffsetsHeader(fields: Record<string, string>, what: string): void {
  for (const key of ["suggestWhichBrokerId", "nextBeginOffset", "minOffset", "maxOffset"]) assert.ok(key in fields, `${what}: ${key}`);
}

test("store outcomes: FOUND → 0, empty → 19, filtered by tag → 20, past the end → 21", () => withProcessorWorld({}, async (pw) => {
  assert.equal((await pw.send("PT", "a", { properties: { TAGS: "TagA" } })).code, ResponseCode.SUCCESS);
  const found = await pw.pull("PT", 0, 0);
  assert.equal(found.code, ResponseCode.SUCCESS);
  assert.equal(found.remark, "FOUND");
  assert.deepEqual(found.extFields, { ...found.extFields, nextBeginOffset: "1", minOffset: "0", maxOffset: "1", suggestWhichBrokerId: "0" });
  assert.deepEqual(decodeMessageRecords(found.body!).map((m) => fromUtf8(m.body)), ["a"]);
  const cases = [
    { name: "empty queue at 0", queueId: 1, offset: 0, subscription: "*", code: ResponseCode.PULL_NOT_FOUND, next: "0" },
    { name: "at the end", queueId: 0, offset: 1, subscription: "*", code: ResponseCode.PULL_NOT_FOUND, next: "1" },
    { name: "tag filtered", queueId: 0, offset: 0, subscription: "TagB", code: ResponseCode.PULL_RETRY_IMMEDIATELY, next: "1" },
    { name: "far past the end (min 0 → back to 0, as DefaultMessageStore)", queueId: 0, offset: 9, subscription: "*", code: ResponseCode.PULL_OFFSET_MOVED, next: "0" },
    { name: "empty queue past 0", queueId: 1, offset: 3, subscription: "*", code: ResponseCode.PULL_OFFSET_MOVED, next: "0" },
  ];
  for (const c of cases) {
    const response = await pw.pull("PT", c.queueId, c.offset, { subscription: c.subscription });
    assert.equal(response.code, c.code, `${c.name}: ${response.remark}`);
    assert.equal(response.extFields["nextBeginOffset"], c.next, c.name);
    assertOffsetsHeader(response.extFields, c.name);
  }
}));

test("long polling holds a pull until a message arrives (virtual time); sysFlag 1 commits the offset", () => withProcessorWorld({}, async (pw) => {
  await createTopic(pw, "LP");
  const held = pw.unsettled(createRequest(RequestCode.PULL_MESSAGE, {
    consumerGroup: "g", topic: "LP", queueId: "0", queueOffset: "0", maxMsgNums: "32",
    sysFlag: String(PullSysFlag.FLAG_SUBSCRIPTION | PullSysFlag.FLAG_SUSPEND), commitOffset: "0", suspendTimeoutMillis: "15000", subscription: "*", subVersion: "0",
  }));
  let answered = false;
  void held.then(() => (answered = true));
  await pw.world.runFor(2_000);
  assert.equal(answered, false);
  assert.equal((await pw.send("LP", "late")).code, ResponseCode.SUCCESS);
  const response = await pw.settle(held);
  assert.equal(response.code, ResponseCode.SUCCESS);
  assert.equal(decodeMessageRecords(response.body!).length, 1);
  const committed = await pw.pull("LP", 0, 1, { group: "g", sysFlag: SUBSCRIPTION_FLAG | PullSysFlag.FLAG_COMMIT_OFFSET, commitOffset: 1 });
  assert.equal(committed.code, ResponseCode.PULL_NOT_FOUND);
  assert.equal(pw.broker.consumerOffsetManager.queryOffset("g", "LP", 0), 1);
}));

test("group and topic refusals: 26, 16, 17, 16, 1 with 4.9.7 remarks", () => withProcessorWorld({ config: { autoCreateSubscriptionGroup: false } }, async (pw) => {
  await createTopic(pw, "T");
  await createTopic(pw, "WriteOnly", 2);
  await createGroup(pw, { groupName: "g" });
  await createGroup(pw, { groupName: "off", consumeEnable: false });
  const cases = [
    { name: "group not exist", group: "nogroup", topic: "T", queueId: 0, code: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, remark: `subscription group [nogroup] does not exist, ${FAQ}` },
    { name: "consume disabled", group: "off", topic: "T", queueId: 0, code: ResponseCode.NO_PERMISSION, remark: "subscription group no permission, off" },
    { name: "topic not exist", group: "g", topic: "Nope", queueId: 0, code: ResponseCode.TOPIC_NOT_EXIST, remark: `topic[Nope] not exist, apply first please! ${FAQ}` },
    { name: "topic not readable", group: "g", topic: "WriteOnly", queueId: 0, code: ResponseCode.NO_PERMISSION, remark: "the topic[WriteOnly] pulling message is forbidden" },
    { name: "queueId illegal", group: "g", topic: "T", queueId: 5, code: ResponseCode.SYSTEM_ERROR, remark: /^queueId\[5\] is illegal, topic:\[T\] topicConfig\.readQueueNums:\[2\] consumer:\[10\.0\.0\.9:\d+\]$/ },
  ];
  for (const c of cases) {
    const response = await pw.pull(c.topic, c.queueId, 0, { group: c.group });
    assert.equal(response.code, c.code, `${c.name}: ${response.remark}`);
    if (typeof c.remark === "string") assert.equal(response.remark, c.remark, c.name);
    else assert.match(response.remark ?? "", c.remark, c.name);
    assertOffsetsHeader(response.extFields, c.name);
  }
}));

test("a broker without read permission refuses pulls with 16", () => withProcessorWorld({ config: { brokerPermission: 2 } }, async (pw) => {
  const response = await pw.pull("T", 0, 0);
  assert.equal(response.code, ResponseCode.NO_PERMISSION);
  assert.equal(response.remark, `the broker[${BROKER_IP}] pulling message is forbidden`);
}));

test("subscriptions from heartbeats: none → 24, other topic → 24, older → 25, broadcast refused → 16", () => withProcessorWorld({}, async (pw) => {
  await createTopic(pw, "T");
  const noFlag = { sysFlag: 0, subVersion: 5 };
  const noGroup = await pw.pull("T", 0, 0, { group: "ghost", ...noFlag });
  assert.equal(noGroup.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
  assert.equal(noGroup.remark, `the consumer's group info not exist${FAQ}`);
  assert.equal((await pw.consumerHeartbeat("cg", "Other", { subVersion: 3 })).code, ResponseCode.SUCCESS);
  const otherTopic = await pw.pull("T", 0, 0, { group: "cg", ...noFlag });
  assert.equal(otherTopic.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
  assert.equal(otherTopic.remark, `the consumer's subscription not exist${FAQ}`);
  assert.equal((await pw.consumerHeartbeat("cg", "T", { subVersion: 3 })).code, ResponseCode.SUCCESS);
  const older = await pw.pull("T", 0, 0, { group: "cg", ...noFlag });
  assert.equal(older.code, ResponseCode.SUBSCRIPTION_NOT_LATEST);
  assert.equal(older.remark, "the consumer's subscription not latest");
  const latest = await pw.pull("T", 0, 0, { group: "cg", sysFlag: 0, subVersion: 3 });
  assert.equal(latest.code, ResponseCode.PULL_NOT_FOUND);
  await createGroup(pw, { groupName: "bg", consumeBroadcastEnable: false });
  assert.equal((await pw.consumerHeartbeat("bg", "T", { messageModel: "BROADCASTING" })).code, ResponseCode.SUCCESS);
  const broadcast = await pw.pull("T", 0, 0, { group: "bg", sysFlag: 0 });
  assert.equal(broadcast.code, ResponseCode.NO_PERMISSION);
  assert.equal(broadcast.remark, "the consumer group[bg] can not consume by broadcast way");
}));

test("SQL92: refused while enablePropertyFilter=false (1); a bad header expression → 23, a bad heartbeat one → 27; a good one filters", async () => {
  await withProcessorWorld({}, async (pw) => {
    await createTopic(pw, "T");
    const refused = await pw.pull("T", 0, 0, { subscription: "a > 1", expressionType: "SQL92" });
    assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(refused.remark, "The broker does not support consumer to filter message by SQL92");
    // As 4.9.7: the header's expression is compiled first, so a bad one is 23 even while disabled.
    const badWhileDisabled = await pw.pull("T", 0, 0, { subscription: "a >", expressionType: "SQL92" });
    assert.equal(badWhileDisabled.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
  });
  await withProcessorWorld({ config: { enablePropertyFilter: true } }, async (pw) => {
    await createTopic(pw, "T");
    const bad = await pw.pull("T", 0, 0, { subscription: "a >", expressionType: "SQL92" });
    assert.equal(bad.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.equal(bad.remark, "parse the consumer's subscription failed");
    for (const a of ["1", "5"]) assert.equal((await pw.send("T", `a=${a}`, { properties: { a } })).code, ResponseCode.SUCCESS);
    const good = await pw.pull("T", 0, 0, { subscription: "a > 1", expressionType: "SQL92" });
    assert.equal(good.code, ResponseCode.SUCCESS, good.remark);
    assert.deepEqual(decodeMessageRecords(good.body!).map((m) => fromUtf8(m.body)), ["a=5"]);
    // A bad expression from a heartbeat: Java never registered filter data for it → 27.
    assert.equal((await pw.heartbeat({
      clientID: "sql-client", producerDataSet: [],
      consumerDataSet: [{
        groupName: "sg", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false,
        subscriptionDataSet: [{ topic: "T", subString: "a >", tagsSet: [], codeSet: [], subVersion: 1, expressionType: "SQL92", classFilterMode: false }],
      }],
    })).code, ResponseCode.SUCCESS);
    const noFilterData = await pw.pull("T", 0, 0, { group: "sg", sysFlag: 0, subVersion: 1 });
    assert.equal(noFilterData.code, ResponseCode.FILTER_DATA_NOT_EXIST);
    assert.equal(noFilterData.remark, "The broker's consumer filter data is not exist!Your expression may be wrong!");
  });
});

test("a slave answers an out-of-range pull with 20 (no offset correction), not 21", () => withProcessorWorld({ config: { brokerId: 1, brokerRole: "SLAVE" } }, async (pw) => {
  pw.broker.topicConfigManager.updateTopicConfig({ topicName: "T", readQueueNums: 1, writeQueueNums: 1, perm: 6, topicFilterType: "SINGLE_TAG", topicSysFlag: 0, order: false });
  const response = await pw.pull("T", 0, 5);
  assert.equal(response.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
}));
