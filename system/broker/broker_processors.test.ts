// The processor table as the wire sees it: every RocketMQ request code is either handled by the
// broker — and then listed here with the test file that covers its happy path and its refusals —
// or answered REQUEST_CODE_NOT_SUPPORTED (3) with RocketMQ's remark. Registering a new code in
// broker_processors.ts fails this test until the code is listed with its tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RemotingTimeoutError, RequestCode, ResponseCode } from "../remoting/index.ts";
import type { RemotingCommand, RequestCodeName } from "../remoting/index.ts";
import { withProcessorWorld } from "./processor/testing/processor_world.ts";

const testedBy: Partial<Record<RequestCodeName, string>> = {
  SEND_MESSAGE: "processor/send_message_processor.test.ts",
  SEND_MESSAGE_V2: "processor/send_message_processor.test.ts",
  SEND_BATCH_MESSAGE: "processor/send_message_processor.test.ts",
  CONSUMER_SEND_MSG_BACK: "processor/send_back_processor.test.ts",
  PULL_MESSAGE: "processor/pull_message_processor.test.ts",
  QUERY_MESSAGE: "processor/query_processor.test.ts",
  VIEW_MESSAGE_BY_ID: "processor/query_processor.test.ts",
  GET_MAX_OFFSET: "processor/query_processor.test.ts",
  GET_MIN_OFFSET: "processor/query_processor.test.ts",
  SEARCH_OFFSET_BY_TIMESTAMP: "processor/query_processor.test.ts",
  GET_EARLIEST_MSG_STORETIME: "processor/query_processor.test.ts",
  HEART_BEAT: "processor/client_manage_processor.test.ts",
  UNREGISTER_CLIENT: "processor/client_manage_processor.test.ts",
  CHECK_CLIENT_CONFIG: "processor/client_manage_processor.test.ts",
  GET_CONSUMER_LIST_BY_GROUP: "processor/consumer_manage_processor.test.ts",
  QUERY_CONSUMER_OFFSET: "processor/consumer_manage_processor.test.ts",
  UPDATE_CONSUMER_OFFSET: "processor/consumer_manage_processor.test.ts",
  LOCK_BATCH_MQ: "processor/lock_processor.test.ts",
  UNLOCK_BATCH_MQ: "processor/lock_processor.test.ts",
  UPDATE_AND_CREATE_TOPIC: "processor/admin_topic_processor.test.ts",
  DELETE_TOPIC_IN_BROKER: "processor/admin_topic_processor.test.ts",
  GET_ALL_TOPIC_CONFIG: "processor/admin_topic_processor.test.ts",
  UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: "processor/admin_topic_processor.test.ts",
  GET_ALL_SUBSCRIPTIONGROUP_CONFIG: "processor/admin_topic_processor.test.ts",
  DELETE_SUBSCRIPTIONGROUP: "processor/admin_topic_processor.test.ts",
  GET_ALL_CONSUMER_OFFSET: "processor/admin_topic_processor.test.ts",
  GET_ALL_DELAY_OFFSET: "processor/admin_topic_processor.test.ts",
  GET_BROKER_RUNTIME_INFO: "processor/admin_stats_processor.test.ts",
  GET_TOPIC_STATS_INFO: "processor/admin_stats_processor.test.ts",
  GET_CONSUME_STATS: "processor/admin_stats_processor.test.ts",
  GET_CONSUMER_CONNECTION_LIST: "processor/admin_stats_processor.test.ts",
  GET_PRODUCER_CONNECTION_LIST: "processor/admin_stats_processor.test.ts",
  GET_BROKER_CONFIG: "processor/admin_stats_processor.test.ts",
  QUERY_TOPIC_CONSUME_BY_WHO: "processor/admin_stats_processor.test.ts",
  GET_CONSUMER_RUNNING_INFO: "processor/admin_stats_processor.test.ts",
  INVOKE_BROKER_TO_RESET_OFFSET: "processor/admin_ops_processor.test.ts",
  CONSUME_MESSAGE_DIRECTLY: "processor/admin_ops_processor.test.ts",
  END_TRANSACTION: "transaction/end_transaction_processor.test.ts",
  // Registered by the ACL module (system/acl/broker_acl.ts), tested in system/acl/broker_acl.test.ts.
  UPDATE_AND_CREATE_ACL_CONFIG: "../acl/broker_acl.test.ts",
  DELETE_ACL_CONFIG: "../acl/broker_acl.test.ts",
  GET_BROKER_CLUSTER_ACL_INFO: "../acl/broker_acl.test.ts",
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG: "../acl/broker_acl.test.ts",
};

test("every request code is either handled (and listed with its tests) or answered 3", { timeout: 60_000 }, () => withProcessorWorld({}, async (pw) => {
  const handled: string[] = [];
  for (const [name, code] of Object.entries(RequestCode) as [RequestCodeName, number][]) {
    const response: RemotingCommand | Error = await pw.call(code, {}, undefined, 2_000)
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (response instanceof RemotingTimeoutError) {
      // As 4.9.7 (getBrokerAclConfigVersion: no validator → NPE caught → null): no answer without ACL.
      assert.equal(name, "GET_BROKER_CLUSTER_ACL_INFO", `${name} (${code}) got no response`);
      handled.push(name);
      continue;
    }
    if (response instanceof Error) throw response;
    if (response.code !== ResponseCode.REQUEST_CODE_NOT_SUPPORTED) {
      handled.push(name);
      assert.ok(testedBy[name] !== undefined, `${name} (${code}) is handled by the broker: list it here with the test of its happy path and refusals`);
      continue;
    }
    assert.equal(response.remark, ` request type ${code} not supported`, name);
    assert.equal(testedBy[name], undefined, `${name} (${code}) is listed as tested but the broker answers 3`);
  }
  assert.deepEqual(handled.sort(), Object.keys(testedBy).sort());
}));
