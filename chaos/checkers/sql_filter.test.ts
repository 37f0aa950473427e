// sql-filter: a SQL92 group's deliveries must all match its selector (by the properties the lab
// derives from message ids); the delivery checker expects exactly the matching acked sends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeDelivery } from "./delivery.ts";
import { checkSqlFilter } from "./sql_filter.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";
import { sqlPropertiesOf, sqlSelectorAccepts } from "../workload/sql_properties.ts";

const selector = "n >= 5";
const context = testContext({ groups: [{ group: "G", topic: "T", count: 1, sqlSelector: selector }] });
const ids = Array.from({ length: 10 }, (_, i) => `producer-1.tok.${i}`);
const matching = ids.filter((id) => sqlSelectorAccepts(selector, id));

test("properties come from the id; the selector splits the ids", () => {
  assert.equal(sqlPropertiesOf("producer-1.tok.7")["n"], "7");
  assert.deepEqual(sqlPropertiesOf("producer-1.tok.7"), sqlPropertiesOf("producer-1.tok.7"));
  assert.equal(matching.length, 5);
});

test("exactly the matching messages pass both checkers", () => {
  let builder = new HistoryBuilder();
  ids.forEach((id, i) => { builder = builder.send({ id, at: 1_000 + i }); });
  const history = builder.deliverAll(matching, 10).build();
  assert.equal(checkSqlFilter(history, context).verdict, "pass");
  assert.equal(analyzeDelivery(history, context).check.verdict, "pass");
});

test("a delivery the selector does not match fails sql-filter; a missing match is a loss", () => {
  let builder = new HistoryBuilder();
  ids.forEach((id, i) => { builder = builder.send({ id, at: 1_000 + i }); });
  const extra = builder.deliverAll([...matching, "producer-1.tok.1"], 10).build();
  const result = checkSqlFilter(extra, context);
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /producer-1\.tok\.1 to G/);
  let again = new HistoryBuilder();
  ids.forEach((id, i) => { again = again.send({ id, at: 1_000 + i }); });
  const missing = again.deliverAll(matching.slice(1), 10).build();
  assert.equal(analyzeDelivery(missing, context).check.verdict, "fail");
});

test("nothing to judge without a SQL92 group", () => {
  assert.match(checkSqlFilter([], testContext()).summary, /Nothing to judge/);
});
