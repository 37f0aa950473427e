import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteEvent } from "../history/types.ts";
import type { RoutesEvidence } from "./routes.ts";
import { checkRoutes } from "./routes.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

const route = (timeMs: number, writable: string[], process = "producer-1"): RouteEvent =>
  ({ type: "route", timeMs, process, topic: "T", writableBrokers: writable, readableBrokers: writable });

test("after a crash (channel close) the route drops the broker within one poll; later fails naming client, broker and lateness", () => {
  const onTime = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 200_000, "crash", "broker-a")
    .raw(route(35_000, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  const passed = checkRoutes(onTime, testContext());
  assert.equal(passed.verdict, "pass", passed.summary);
  assert.equal((passed.evidence as RoutesEvidence).judged, 1);
  const late = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 200_000, "crash", "broker-a")
    .raw(route(60_000, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  const result = checkRoutes(late, testContext());
  assert.equal(result.verdict, "fail");
  const stale = (result.evidence as RoutesEvidence).stale.items[0];
  assert.deepEqual([stale?.client, stale?.broker, stale?.mechanism, stale?.boundMs, stale?.lateByMs], ["producer-1", "broker-a", "channel-close", 32_000, 18_000]);
});

test("silence (pause) gets the expiry-scan bound; a fault healed before the bound is not judged", () => {
  const paused = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 400_000, "pause", "broker-a")
    .raw(route(150_000, ["broker-b"])).send({ id: "m", at: 450_000 }).build();
  const result = checkRoutes(paused, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal((result.evidence as RoutesEvidence).bounds.find((bound) => bound.mechanism === "expiry-scan")?.boundMs, 120_000 + 10_000 + 30_000 + 2_000);
  const never = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 400_000, "pause", "broker-a").send({ id: "m", at: 450_000 }).build();
  assert.match(checkRoutes(never, testContext()).summary, /never dropped/);
  const short = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 20_000, "crash", "broker-a").send({ id: "m", at: 450_000 }).build();
  assert.equal((checkRoutes(short, testContext()).evidence as RoutesEvidence).judged, 0);
});

test("no route events: nothing to judge", () => {
  const result = checkRoutes(new HistoryBuilder().fault(0, 500_000, "crash", "broker-a").build(), testContext());
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /nothing to judge/);
});
