import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRoutes } from "../chaos/checkers/routes.ts";
import { checkFailover } from "../chaos/checkers/failover.ts";
import { HistoryBuilder, testContext } from "../chaos/checkers/testing/history_builder.ts";
import { evidenceHtml } from "./evidence_html.ts";

test("a guarantee checker's violations render as a table naming the evidence, escaped", () => {
  const history = new HistoryBuilder()
    .raw({ type: "route", timeMs: 0, process: "producer-<1>", topic: "T", writableBrokers: ["broker-a", "broker-b"], readableBrokers: [] })
    .fault(10_000, 300_000, "crash", "broker-a").send({ id: "m", at: 290_000 }).build();
  const result = checkRoutes(history, testContext());
  assert.equal(result.verdict, "fail");
  const html = evidenceHtml(result);
  assert.match(html, /<caption>Stale \(1\)<\/caption>/);
  assert.match(html, /producer-&lt;1&gt;/);
  assert.match(html, /channel-close/);
  // Bounds with their mechanism and intervals.
  assert.match(html, /mechanism it assumes/);
  assert.match(html, /routePollMs 30000 \+ slack 2000/);
});

test("failover evidence shows each bound's mechanism and the intervals it adds up", () => {
  const history = new HistoryBuilder().sends("m-", 3).deliverAll(["m-0", "m-1", "m-2"], 5).build();
  const html = evidenceHtml(checkFailover(history, testContext()));
  assert.match(html, /Bounds: the mechanism each assumes/);
  assert.match(html, /send timeout: consecutive picks/);
  assert.match(html, /sendTimeoutMs × \(2 queues per broker \+ 1\) 9000 ms \+ measurement slack 1000 ms/);
});
