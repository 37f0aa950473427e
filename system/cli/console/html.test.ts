import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MQBrokerError, MQClientError } from "../../client/client_errors.ts";
import { errorBox, errorMessage, esc, form, table } from "./html.ts";
import { topicKind } from "./pages_topics.ts";

test("broker errors read as RocketMQ's code name, code, address and remark; no stack", () => {
  assert.equal(errorMessage(new MQBrokerError(3, " request type 222 not supported", "127.0.0.1:10911")),
    "REQUEST_CODE_NOT_SUPPORTED (code 3) from 127.0.0.1:10911:  request type 222 not supported");
  assert.equal(errorMessage(new MQClientError("No topic route info", 17)), "code 17: No topic route info");
  assert.equal(errorMessage(new MQClientError("not started")), "not started");
  const box = errorBox(new TypeError("boom <b>"));
  assert.equal(box, "<div class=\"error\" role=\"alert\">TypeError: boom &lt;b&gt;</div>");
});

test("escaped text never carries markup", () => {
  fc.assert(fc.property(fc.string(), (text) => {
    assert.doesNotMatch(esc(text), /[<>"']/);
    assert.ok(!table(["h"], [[text]]).includes(`<td>${text}</td>`) || esc(text) === text);
  }));
});

test("write forms ask for confirmation", () => {
  assert.match(form("/topics/delete", "", "Delete", "Delete topic 'x'?"), /onsubmit="return confirm\('Delete topic x\?'\)"/);
  assert.doesNotMatch(form("/messages", "", "Search"), /confirm/);
});

test("topic kinds: retry, DLQ, system (incl. cluster and broker names), normal", () => {
  const names = new Set(["DefaultCluster", "broker-a"]);
  assert.equal(topicKind("%RETRY%g", names), "retry");
  assert.equal(topicKind("%DLQ%g", names), "dlq");
  for (const topic of ["TBW102", "SCHEDULE_TOPIC_XXXX", "RMQ_SYS_TRACE_TOPIC", "DefaultCluster", "broker-a", "DefaultCluster_REPLY_TOPIC"]) assert.equal(topicKind(topic, names), "system", topic);
  assert.equal(topicKind("Orders", names), "normal");
});
