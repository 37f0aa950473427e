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
