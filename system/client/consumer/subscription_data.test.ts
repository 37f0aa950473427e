import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { encodeJsonBody } from "../../protocol/body_json.ts";
import { encodeHeartbeatData } from "../../protocol/heartbeat.ts";
import { buildSubscriptionData, subscriptionDataJson, tagMatches, toProtocolSubscription } from "./subscription_data.ts";

test("'*', empty and missing expressions subscribe to everything", () => {
  for (const expression of ["*", "", "  * ", undefined]) {
    const sub = buildSubscriptionData("T", expression, 1);
    assert.equal(sub.subString, "*");
    assert.deepEqual(sub.tagsSet, []);
    assert.ok(tagMatches(sub, undefined));
    assert.ok(tagMatches(sub, "X"));
  }
});

test("'TagA || TagB' parses to trimmed tags with Java hash codes", () => {
  const sub = buildSubscriptionData("T", " TagA ||TagB||  ", 7);
  assert.deepEqual(sub.tagsSet, ["TagA", "TagB"]);
  assert.deepEqual(sub.codeSet, [2598919, 2598920]);
  assert.equal(sub.subString, " TagA ||TagB||  ");
  assert.equal(sub.subVersion, 7);
});

test("client-side check is exact: other tags and untagged messages are filtered", () => {
  const sub = buildSubscriptionData("T", "TagA", 1);
  assert.ok(tagMatches(sub, "TagA"));
  assert.ok(!tagMatches(sub, "TagB"));
  assert.ok(!tagMatches(sub, undefined));
  assert.ok(!tagMatches(sub, "taga"));
});

test("expressions naming no tag, and empty SQL92 selectors, are rejected with a clear error", () => {
  assert.throws(() => buildSubscriptionData("T", "|| ||", 1), /names no tag/);
  assert.throws(() => buildSubscriptionData("T", " ", 1, "SQL92"), /must not be empty/);
});

test("a SQL92 subscription keeps the selector text and no tag sets (the broker evaluates it)", () => {
  const sub = buildSubscriptionData("T", "a > 1", 1, "SQL92");
  assert.equal(sub.subString, "a > 1");
  assert.equal(sub.expressionType, "SQL92");
  assert.deepEqual(sub.tagsSet, []);
  assert.ok(tagMatches(sub, "AnyTag"));
});

test("every tag of a parsed expression matches, nothing else does", () => {
  const tag = fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/);
  fc.assert(fc.property(fc.uniqueArray(tag, { minLength: 1, maxLength: 5 }), tag, (tags, other) => {
    const sub = buildSubscriptionData("T", tags.join(" || "), 1);
    assert.deepEqual([...sub.tagsSet], tags);
    for (const t of tags) assert.ok(tagMatches(sub, t));
    assert.equal(tagMatches(sub, other), tags.includes(other));
  }));
});

test("heartbeat bodies through the protocol writer keep Java's field order byte for byte", () => {
  const tags = fc.array(fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/), { maxLength: 4 });
  fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/), tags, fc.nat(), (topic, tagList, subVersion) => {
    const subscription = buildSubscriptionData(topic, tagList.length === 0 ? "*" : tagList.join(" || "), subVersion);
    const javaOrder = {
      clientID: "127.0.0.1@1",
      consumerDataSet: [{
        consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", consumeType: "CONSUME_PASSIVELY", groupName: "G", messageModel: "CLUSTERING",
        subscriptionDataSet: [{
          classFilterMode: false, codeSet: [...subscription.codeSet], expressionType: "TAG", subString: subscription.subString,
          subVersion, tagsSet: [...subscription.tagsSet], topic,
        }],
        unitMode: false,
      }],
      producerDataSet: [{ groupName: "P" }],
    };
    const body = encodeHeartbeatData({
      clientID: "127.0.0.1@1",
      consumerDataSet: [{
        consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", consumeType: "CONSUME_PASSIVELY", groupName: "G", messageModel: "CLUSTERING",
        subscriptionDataSet: [toProtocolSubscription(subscription)], unitMode: false,
      }],
      producerDataSet: [{ groupName: "P" }],
    });
    assert.deepEqual(body, encodeJsonBody(javaOrder));
    assert.equal(JSON.stringify(subscriptionDataJson(subscription)), JSON.stringify(javaOrder.consumerDataSet[0]!.subscriptionDataSet[0]));
  }));
});
