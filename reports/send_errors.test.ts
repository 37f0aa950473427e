import assert from "node:assert/strict";
import { test } from "node:test";
import type { HistoryEvent } from "../chaos/history/types.ts";
import { sendErrorReason, sendErrorRows, sendErrorsSection } from "./send_errors.ts";

const acl = "MQBrokerError: SYSTEM_ERROR (1) from 10.0.2.1:10911: org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=labClient1, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)";

test("ACL refusals are named, stack frame and broker address cut", () => {
  assert.deepEqual(sendErrorReason(acl), { reason: "ACL: Check signature failed for accessKey=labClient1", acl: true });
  assert.deepEqual(sendErrorReason("RemotingTimeoutError: 10.0.2.1:10911 timed out"), { reason: "RemotingTimeoutError: <broker> timed out", acl: false });
});

test("rows group by outcome and reason, most frequent first; the section names the ACL error", () => {
  const history = [
    { type: "fail", op: "send", opId: 1, timeMs: 1, process: "producer-1", error: acl },
    { type: "fail", op: "send", opId: 2, timeMs: 2, process: "producer-1", error: acl.replace("10.0.2.1", "10.0.2.2") },
    { type: "unknown", op: "send", opId: 3, timeMs: 3, process: "producer-2", error: "RemotingTimeoutError: timed out" },
    { type: "ok", op: "send", opId: 4, timeMs: 4, process: "producer-2" },
  ] as unknown as HistoryEvent[];
  const rows = sendErrorRows(history);
  assert.deepEqual(rows.map((row) => [row.outcome, row.count, row.reason]), [["fail", 2, "ACL: Check signature failed for accessKey=labClient1"], ["unknown", 1, "RemotingTimeoutError: timed out"]]);
  assert.match(sendErrorsSection(history), /<strong>ACL: Check signature failed for accessKey=labClient1<\/strong>/);
  assert.equal(sendErrorsSection([]), "");
});

/** 4.9.7's SERVICE_NOT_AVAILABLE remark as the client reports it, with a disk usage bracket. */
function diskFull(costMs: string, usage: string): string {
  return `MQClientError: Send [1] times, still failed, cost [${costMs}]ms, Topic: TopicTest, BrokersSent: [broker-a]: SERVICE_NOT_AVAILABLE (14) from 10.0.2.1:10911: `
    + `service not available now. It may be caused by one of the following reasons: the broker's disk is full [${usage}], messages are put to the slave, message store has been shut down, etc.`;
}

test("figures inside brackets (disk usage, attempt count, cost) do not split a cause; the row keeps its first remark as the example", () => {
  const history = [
    { type: "fail", op: "send", opId: 1, timeMs: 1, process: "producer-1", error: diskFull("21.458", "CL:  0.95 CQ:  0.95 INDEX: -1.00") },
    { type: "fail", op: "send", opId: 2, timeMs: 2, process: "producer-1", error: diskFull("37.8", "CL:  1.00 CQ:  1.00 INDEX:  1.00") },
    { type: "fail", op: "send", opId: 3, timeMs: 3, process: "producer-2", error: diskFull("3", "CL: 12.50 CQ:  0.10 INDEX:  0.00").replace("10.0.2.1", "10.0.2.9") },
    { type: "fail", op: "send", opId: 4, timeMs: 4, process: "producer-2", error: "MQClientError: No route info of this topic: TopicTest" },
  ] as unknown as HistoryEvent[];
  const rows = sendErrorRows(history);
  assert.equal(rows.length, 2, JSON.stringify(rows.map((row) => row.reason)));
  const [disk, route] = rows;
  assert.equal(disk!.count, 3);
  assert.match(disk!.reason, /Send \[…\] times, still failed, cost \[…\]ms, Topic: TopicTest, BrokersSent: \[broker-a\]: SERVICE_NOT_AVAILABLE \(14\) from <broker>/);
  assert.match(disk!.reason, /the broker's disk is full \[CL: … CQ: … INDEX: …\], messages are put/);
  assert.equal(disk!.example, sendErrorReason(diskFull("21.458", "CL:  0.95 CQ:  0.95 INDEX: -1.00")).reason, "the first remark, figures as sent");
  assert.deepEqual([route!.count, route!.reason, route!.example], [1, "MQClientError: No route info of this topic: TopicTest", "MQClientError: No route info of this topic: TopicTest"]);
  const section = sendErrorsSection(history);
  assert.match(section, /<small>e\.g\. MQClientError: Send \[1\] times, still failed, cost \[21\.458\]ms.*\[CL: {2}0\.95 CQ: {2}0\.95 INDEX: -1\.00\]/);
  assert.equal((section.match(/<tr>/g) ?? []).length, 3, "a header and two rows");
  assert.doesNotMatch(section.split("No route info")[1] ?? "", /<small>/, "an unmasked reason shows no example");
});
