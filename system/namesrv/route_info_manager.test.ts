// RouteInfoManager on a fake clock: registration rules, liveness, removal and invariants.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Clock, Log, LogFields } from "../env/env.ts";
import type { RemotingChannel } from "../remoting/remoting_channel.ts";
import { newTopicConfig } from "../protocol/topic_config.ts";
import type { TopicConfig } from "../protocol/topic_config.ts";
import type { RegisterBrokerArgs } from "./route_info_manager.ts";
import { RouteInfoManager } from "./route_info_manager.ts";

class FakeClock implements Clock {
  nowMsValue = 1_700_000_000_000;
  nowMs(): number {
    return this.nowMsValue;
  }
  monotonicMs(): number {
    return this.nowMsValue;
  }
}

interface LogLine {
  level: string;
  message: string;
  fields: LogFields;
}

function recordingLog(lines: LogLine[]): Log {
  const at = (level: string) => (message: string, fields: LogFields = {}) => void lines.push({ level, message, fields });
  const log: Log = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => log };
  return log;
}

const EXPIRE_MS = 120_000;

function setup(): { clock: FakeClock; routes: RouteInfoManager; lines: LogLine[] } {
  const clock = new FakeClock();
  const lines: LogLine[] = [];
  return { clock, routes: new RouteInfoManager(clock, recordingLog(lines), EXPIRE_MS), lines };
}

function fakeChannel(): RemotingChannel & { closedByUs: boolean } {
  const channel = {
    channelId: 1, remoteAddress: "10.0.0.1:50000", localAddress: "10.0.0.100:9876", closed: false, closedByUs: false,
    invokeSync: () => Promise.reject(new Error("unused")),
    invokeOneway: () => undefined,
    close: () => {
      channel.closedByUs = true;
    },
  };
  return channel;
}

function register(routes: RouteInfoManager, overrides: Partial<RegisterBrokerArgs> & { topics?: TopicConfig[] } = {}) {
  const { topics = [newTopicConfig("TopicA", { readQueueNums: 4, writeQueueNums: 4 })], ...rest } = overrides;
  return routes.registerBroker({
    clusterName: "DefaultCluster",
    brokerAddr: "10.0.0.1:10911",
    brokerName: "broker-a",
    brokerId: 0,
    haServerAddr: "10.0.0.1:10912",
    topicConfigTable: new Map(topics.map((topic) => [topic.topicName, topic])),
    dataVersion: { timestamp: 1, counter: 1 },
    filterServerList: [],
    channel: undefined,
    ...rest,
  });
}

test("a master's topics create queue data; a slave's do not, and the slave learns its master", () => {
  const { routes } = setup();
  register(routes);
  const slave = register(routes, { brokerAddr: "10.0.0.2:10911", brokerId: 1, haServerAddr: "10.0.0.2:10912", topics: [newTopicConfig("OnlyOnSlave")] });
  assert.deepStrictEqual(slave, { haServerAddr: "10.0.0.1:10912", masterAddr: "10.0.0.1:10911" });
  assert.deepStrictEqual(routes.allTopicList(), ["TopicA"]);
  const route = routes.pickupTopicRouteData("TopicA")!;
  assert.deepStrictEqual(route.queueDatas, [{ brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }]);
  assert.deepStrictEqual(route.brokerDatas[0]!.brokerAddrs, new Map([[0, "10.0.0.1:10911"], [1, "10.0.0.2:10911"]]));
  assert.equal(routes.pickupTopicRouteData("Nope"), undefined);
  assert.deepStrictEqual(register(routes), {}, "a master gets no master address");
});

test("queue data is only rewritten when the master's DataVersion changes", () => {
  const { routes } = setup();
  register(routes);
  register(routes, { topics: [newTopicConfig("TopicA", { readQueueNums: 8, writeQueueNums: 8 })] });
  assert.equal(routes.pickupTopicRouteData("TopicA")!.queueDatas[0]!.readQueueNums, 4, "same version: ignored");
  register(routes, { topics: [newTopicConfig("TopicA", { readQueueNums: 8, writeQueueNums: 8 })], dataVersion: { timestamp: 2, counter: 2 } });
  assert.equal(routes.pickupTopicRouteData("TopicA")!.queueDatas[0]!.readQueueNums, 8);
});

test("a slave promoted to master moves its address from id 1 to id 0", () => {
  const { routes } = setup();
  register(routes, { brokerAddr: "10.0.0.2:10911", brokerId: 1 });
  register(routes, { brokerAddr: "10.0.0.2:10911", brokerId: 0 });
  assert.deepStrictEqual(routes.brokerAddrTable.get("broker-a")!.brokerAddrs, new Map([[0, "10.0.0.2:10911"]]));
});

test("expiry: 120 s after the last registration, not before; the sole master takes its queue data along", () => {
  const { clock, routes, lines } = setup();
  const channel = fakeChannel();
  register(routes, { channel });
  clock.nowMsValue += EXPIRE_MS;
  assert.equal(routes.scanNotActiveBroker(), 0, "exactly at the limit is still alive");
  clock.nowMsValue += 1;
  assert.equal(routes.scanNotActiveBroker(), 1);
  assert.equal(channel.closedByUs, true, "the expired broker's channel is closed");
  assert.equal(routes.pickupTopicRouteData("TopicA"), undefined);
  assert.equal(routes.brokerAddrTable.size + routes.clusterAddrTable.size + routes.topicQueueTable.size, 0);
  const expired = lines.find((line) => line.message === "broker channel expired")!;
  assert.equal(expired.fields["brokerAddr"], "10.0.0.1:10911");
  assert.equal(expired.fields["reason"], "expired");
  assert.ok(lines.some((l) => l.fields["brokerName"] === "broker-a" && l.fields["reason"] === "expired"));
});

test("re-registration keeps a broker alive; a master dying with a live slave keeps the group readable", () => {
  const { clock, routes } = setup();
  register(routes);
  register(routes, { brokerAddr: "10.0.0.2:10911", brokerId: 1 });
  clock.nowMsValue += 100_000;
  register(routes, { brokerAddr: "10.0.0.2:10911", brokerId: 1 });
  clock.nowMsValue += 30_000;
  assert.equal(routes.scanNotActiveBroker(), 1, "only the master expired");
  const route = routes.pickupTopicRouteData("TopicA")!;
  assert.deepStrictEqual(route.brokerDatas[0]!.brokerAddrs, new Map([[1, "10.0.0.2:10911"]]));
});

test("a closed channel removes its broker at once; other connections closing change nothing", () => {
  const { routes } = setup();
  const channel = fakeChannel();
  register(routes, { channel });
  routes.onChannelDestroy("10.0.0.9:61000", fakeChannel());
  assert.equal(routes.brokerLiveTable.size, 1);
  routes.onChannelDestroy(channel.remoteAddress, channel);
  assert.equal(routes.brokerLiveTable.size, 0);
  assert.equal(routes.pickupTopicRouteData("TopicA"), undefined);
});

test("unregister, write perm, topics by cluster and delete topic", () => {
  const { routes } = setup();
  register(routes, { topics: [newTopicConfig("T1"), newTopicConfig("T2")] });
  register(routes, { clusterName: "C2", brokerName: "broker-b", brokerAddr: "10.0.0.3:10911", topics: [newTopicConfig("T2")] });
  assert.equal(routes.operateWritePerm("broker-a", "wipe"), 2);
  assert.equal(routes.pickupTopicRouteData("T1")!.queueDatas[0]!.perm, 4);
  assert.equal(routes.operateWritePerm("broker-a", "add"), 2);
  assert.equal(routes.pickupTopicRouteData("T1")!.queueDatas[0]!.perm, 6);
  assert.deepStrictEqual(routes.topicsByCluster("C2"), ["T2"]);
  routes.deleteTopic("T2", "C2");
  assert.deepStrictEqual(routes.pickupTopicRouteData("T2")!.queueDatas.map((q) => q.brokerName), ["broker-a"]);
  routes.deleteTopic("T2");
  assert.equal(routes.pickupTopicRouteData("T2"), undefined);
  routes.unregisterBroker("DefaultCluster", "10.0.0.1:10911", "broker-a", 0);
  assert.deepStrictEqual([...routes.clusterAddrTable.keys()], ["C2"]);
  assert.equal(routes.pickupTopicRouteData("T1"), undefined);
});

type Op =
  | { type: "register"; broker: number; id: number; topics: number[]; version: number }
  | { type: "unregister"; broker: number; id: number }
  | { type: "advance"; ms: number }
  | { type: "scan" }
  | { type: "close"; broker: number; id: number }
  | { type: "deleteTopic"; topic: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant("register" as const), broker: fc.nat(2), id: fc.nat(2), topics: fc.array(fc.nat(3), { maxLength: 3 }), version: fc.nat(3) }),
  fc.record({ type: fc.constant("unregister" as const), broker: fc.nat(2), id: fc.nat(2) }),
  fc.record({ type: fc.constant("advance" as const), ms: fc.nat(100_000) }),
  fc.constant({ type: "scan" as const }),
  fc.record({ type: fc.constant("close" as const), broker: fc.nat(2), id: fc.nat(2) }),
  fc.record({ type: fc.constant("deleteTopic" as const), topic: fc.nat(3) }),
);

test("invariants hold under any sequence of registrations, expiries, closes and deletes", () => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 40 }), (ops) => {
      const { clock, routes } = setup();
      const channels = new Map<string, RemotingChannel>();
      const addr = (broker: number, id: number): string => `10.0.${broker}.${id}:10911`;
      for (const op of ops) {
        if (op.type === "register") {
          const channel = fakeChannel();
          channels.set(addr(op.broker, op.id), channel);
          register(routes, {
            brokerName: `broker-${op.broker}`, brokerAddr: addr(op.broker, op.id), brokerId: op.id, channel,
            topics: op.topics.map((t) => newTopicConfig(`T${t}`)), dataVersion: { timestamp: op.version, counter: op.version },
          });
        } else if (op.type === "unregister") routes.unregisterBroker("DefaultCluster", addr(op.broker, op.id), `broker-${op.broker}`, op.id);
        else if (op.type === "advance") clock.nowMsValue += op.ms;
        else if (op.type === "scan") routes.scanNotActiveBroker();
        else if (op.type === "close") routes.onChannelDestroy("10.9.9.9:1", channels.get(addr(op.broker, op.id)));
        else routes.deleteTopic(`T${op.topic}`);
        checkInvariants(routes);
      }
    }),
    { numRuns: 300 },
  );
});

function checkInvariants(routes: RouteInfoManager): void {
  for (const [topic, queues] of routes.topicQueueTable) {
    assert.ok(queues.size > 0, `topic ${topic} has an empty queue map`);
    for (const brokerName of queues.keys()) assert.ok(routes.brokerAddrTable.has(brokerName), `${topic}: queue data of unknown ${brokerName}`);
    assert.ok(routes.pickupTopicRouteData(topic) !== undefined);
  }
  for (const [brokerName, data] of routes.brokerAddrTable) {
    assert.ok(data.brokerAddrs.size > 0, `${brokerName} has no address`);
    assert.equal(new Set(data.brokerAddrs.values()).size, data.brokerAddrs.size, "one id per address");
    assert.ok([...routes.clusterAddrTable.values()].some((names) => names.has(brokerName)));
  }
  for (const names of routes.clusterAddrTable.values()) {
    assert.ok(names.size > 0);
    for (const name of names) assert.ok(routes.brokerAddrTable.has(name), `cluster lists removed broker ${name}`);
  }
}
