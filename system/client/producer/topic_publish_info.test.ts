import { test } from "node:test";
import assert from "node:assert/strict";
import type { Clock } from "../../env/env.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { TopicRouteData } from "../../protocol/route.ts";
import { LatencyFaultTolerance } from "./latency_fault_tolerance.ts";
import { selectQueueWithFaultAvoidance, TopicPublishInfo } from "./topic_publish_info.ts";

function publishInfo(brokers: string[]): TopicPublishInfo {
  const queues: MessageQueue[] = brokers.map((brokerName) => ({ topic: "T", brokerName, queueId: 0 }));
  const route: TopicRouteData = {
    queueDatas: brokers.map((brokerName) => ({ brokerName, readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 })),
    brokerDatas: brokers.map((brokerName) => ({ cluster: "c", brokerName, brokerAddrs: new Map([[0, `${brokerName}:1`]]) })),
    filterServerTable: new Map(),
  };
  let index = 0;
  return new TopicPublishInfo(queues, route, { incrementAndGet: () => (index = (index + 1) | 0) } as never, false);
}

function isolatedAandB(): { faults: LatencyFaultTolerance; clock: { nowMs: number } } {
  const clock = { nowMs: 10_000 };
  const faults = new LatencyFaultTolerance({ nowMs: () => clock.nowMs, monotonicMs: () => clock.nowMs } satisfies Clock);
  faults.updateFaultItem("broker-b", 1_000, true);
  faults.updateFaultItem("broker-a", 11, true);
  clock.nowMs = 13_000;
  return { faults, clock };
}

test("MQFaultStrategy: when no route broker is available and pickOneAtLeast returns a broker without write queues, its fault item is removed (4.9.x)", () => {
  const { faults } = isolatedAandB();
  // The route lacks broker-a (a namesrv partition); broker-b is isolated, broker-a ranks first (11 ms < 1000 ms).
  const picked = selectQueueWithFaultAvoidance(publishInfo(["broker-b"]), undefined, faults);
  assert.equal(picked.brokerName, "broker-b");
  assert.equal(faults.isAvailable("broker-a"), true);
  assert.equal(faults.isAvailable("broker-b"), false);
});

test("MQFaultStrategy: a not-best broker that still has write queues is sent to and keeps its fault item", () => {
  const { faults } = isolatedAandB();
  const picked = selectQueueWithFaultAvoidance(publishInfo(["broker-a", "broker-b"]), undefined, faults);
  assert.equal(picked.brokerName, "broker-a");
  assert.equal(faults.isAvailable("broker-a"), false);
});

test("MQFaultStrategy: a route of one isolated broker sends there, even while a broker outside the route is available (4.9.x)", () => {
  const clock = { nowMs: 19_914 };
  const faults = new LatencyFaultTolerance({ nowMs: () => clock.nowMs, monotonicMs: () => clock.nowMs } satisfies Clock);
  faults.updateFaultItem("broker-a", 1_000, true);
  clock.nowMs = 21_915;
  faults.updateFaultItem("broker-b", 0, false);
  clock.nowMs = 22_014;
  // A route poll just brought broker-a alone (broker-b not re-registered yet): pickOneAtLeast
  // returns available broker-b, which has no write queues, so its item goes and the plain
  // round robin takes broker-a's queue; broker-a stays isolated.
  const picked = selectQueueWithFaultAvoidance(publishInfo(["broker-a"]), undefined, faults);
  assert.equal(picked.brokerName, "broker-a");
  assert.equal(faults.isAvailable("broker-a"), false);
  assert.equal(faults.isAvailable("broker-b"), true);
});
