import assert from "node:assert/strict";
import { test } from "node:test";
import type { Log } from "../../env/env.ts";
import { createResponse, createRequest } from "../../remoting/remoting_command.ts";
import { RemotingConnectError, RemotingTimeoutError } from "../../remoting/remoting_errors.ts";
import { MQBrokerError, MQClientError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { TopicRouteData } from "../../protocol/route.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { LatencyFaultTolerance } from "./latency_fault_tolerance.ts";
import { SendEngine } from "./send_engine.ts";
import type { SendEngineDeps } from "./send_engine.ts";
import type { OutgoingMessage } from "./send_kernel.ts";
import { TopicPublishInfo } from "./topic_publish_info.ts";

const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLog };

function publishInfo(brokers: string[], queuesPerBroker: number, start = 0): TopicPublishInfo {
  const queues: MessageQueue[] = [];
  for (const brokerName of brokers) for (let q = 0; q < queuesPerBroker; q++) queues.push({ topic: "T", brokerName, queueId: q });
  const route: TopicRouteData = {
    queueDatas: brokers.map((brokerName) => ({ brokerName, readQueueNums: queuesPerBroker, writeQueueNums: queuesPerBroker, perm: 6, topicSysFlag: 0 })),
    brokerDatas: brokers.map((brokerName) => ({ cluster: "c", brokerName, brokerAddrs: new Map([[0, `${brokerName}:1`]]) })),
    orderTopicConf: undefined,
    filterServerTable: new Map(),
  };
  let index = start;
  return new TopicPublishInfo(queues, route, { incrementAndGet: () => (index = (index + 1) | 0) } as never, false);
}

const message = (): OutgoingMessage => ({ topic: "T", body: new Uint8Array([1]), properties: new Map([["UNIQ_KEY", "U1"]]), flag: 0 });

type Behaviour = (mq: MessageQueue, attempt: number) => { code: number; delayMs?: number } | Error;

function engine(info: TopicPublishInfo, behaviour: Behaviour, extra: Partial<SendEngineDeps> = {}) {
  const clock = new FakeClock();
  const attempts: MessageQueue[] = [];
  const deps: SendEngineDeps = {
    clock,
    log: silentLog,
    faults: undefined,
    sendMsgTimeoutMs: 3000,
    retryAnotherBrokerWhenNotStoreOK: false,
    retryResponseCodes: [17, 14, 1, 16, 204, 205],
    onSendAttempt: undefined,
    findPublishInfo: async () => info,
    addrOf: async (mq) => `${mq.brokerName}:1`,
    invoke: async (_addr, _message, mq) => {
      const outcome = behaviour(mq, attempts.length);
      attempts.push(mq);
      if (outcome instanceof Error) throw outcome;
      clock.advance(outcome.delayMs ?? 1);
      return createResponse(createRequest(310), outcome.code, "remark", { msgId: "OFFSETID", queueId: String(mq.queueId), queueOffset: "7" });
    },
    oneway: async () => {},
    ...extra,
  };
  return { engine: new SendEngine(deps), attempts, clock, deps };
}

test("round robin over the writable queues of all brokers", async () => {
  const { engine: e, attempts } = engine(publishInfo(["a", "b"], 2), () => ({ code: 0 }));
  for (let i = 0; i < 8; i++) await e.sendDefault(message(), 2);
  assert.deepEqual(attempts.map((mq) => `${mq.brokerName}${mq.queueId}`), ["a1", "b0", "b1", "a0", "a1", "b0", "b1", "a0"]);
});

test("send result: status, UNIQ_KEY msgId, broker offsetMsgId, queue offset", async () => {
  const { engine: e } = engine(publishInfo(["a"], 1), () => ({ code: 12 }));
  const result = await e.sendDefault(message(), 2);
  assert.equal(result.sendStatus, "FLUSH_SLAVE_TIMEOUT");
  assert.equal(result.msgId, "U1");
  assert.equal(result.offsetMsgId, "OFFSETID");
  assert.equal(result.queueOffset, 7);
});

test("a retriable code is retried on another broker; 3 tries at most", async () => {
  const { engine: e, attempts } = engine(publishInfo(["a", "b"], 2), () => ({ code: 14 }));
  await assert.rejects(e.sendDefault(message(), 2), (error: unknown) => {
    assert.ok(error instanceof MQClientError);
    assert.match(error.message, /Send \[3\] times, still failed.*BrokersSent: \[a, b, a\].*SERVICE_NOT_AVAILABLE/);
    assert.equal(error.responseCode, 14);
    return true;
  });
  assert.deepEqual(attempts.map((mq) => mq.brokerName), ["a", "b", "a"]);
});

test("transport errors are retried; the next try succeeds on the other broker", async () => {
  const { engine: e, attempts } = engine(publishInfo(["a", "b"], 1, -1),
    (mq) => (mq.brokerName === "a" ? new RemotingConnectError("a:1", "ECONNREFUSED") : { code: 0 }));
  const result = await e.sendDefault(message(), 2);
  assert.equal(result.messageQueue.brokerName, "b");
  assert.deepEqual(attempts.map((mq) => mq.brokerName), ["a", "b"]);
});

test("a non-retriable code fails at once", async () => {
  const { engine: e, attempts } = engine(publishInfo(["a", "b"], 1), () => ({ code: 13 }));
  await assert.rejects(e.sendDefault(message(), 2), (error: unknown) => error instanceof MQBrokerError && error.responseCode === 13);
  assert.equal(attempts.length, 1);
});

test("the overall timeout budget stops retries", async () => {
  const { engine: e, attempts, clock } = engine(publishInfo(["a", "b"], 1), () => {
    clock.advance(2000);
    return new RemotingTimeoutError("x:1", 2000, "SEND_MESSAGE_V2");
  });
  await assert.rejects(e.sendDefault(message(), 2), /call timeout: 4000 ms spent, timeout 3000 ms/);
  assert.equal(attempts.length, 2);
});

test("an attempt that used exactly the whole budget ends the send (no 0 ms attempts)", async () => {
  const { engine: e, attempts, clock } = engine(publishInfo(["a", "b"], 1), () => {
    clock.advance(3000);
    return new RemotingTimeoutError("x:1", 3000, "SEND_MESSAGE_V2");
  });
  await assert.rejects(e.sendDefault(message(), 2), /call timeout: 3000 ms spent, timeout 3000 ms/);
  assert.equal(attempts.length, 1);
});

test("retryAnotherBrokerWhenNotStoreOK retries a FLUSH_DISK_TIMEOUT, keeps the last result", async () => {
  const { engine: e, attempts } = engine(publishInfo(["a", "b"], 1), () => ({ code: 10 }), { retryAnotherBrokerWhenNotStoreOK: true });
  const result = await e.sendDefault(message(), 2);
  assert.equal(result.sendStatus, "FLUSH_DISK_TIMEOUT");
  assert.equal(attempts.length, 3);
});

test("latency fault avoidance skips a broker that just failed", async () => {
  const clock = new FakeClock();
  const faults = new LatencyFaultTolerance(clock);
  const { engine: e, attempts } = engine(publishInfo(["a", "b"], 2),
    (mq) => (mq.brokerName === "a" ? new RemotingConnectError("a:1", "ECONNREFUSED") : { code: 0, delayMs: 0 }), { faults });
  for (let i = 0; i < 6; i++) await e.sendDefault(message(), 2);
  // The first try hits a; a failure counts as 30 s latency, which isolates a for 600 s.
  assert.deepEqual(attempts.map((mq) => mq.brokerName), ["a", "b", "b", "b", "b", "b", "b"]);
  assert.equal(faults.isAvailable("a"), false);
  clock.advance(599_999);
  assert.equal(faults.isAvailable("a"), false);
  clock.advance(1);
  assert.equal(faults.isAvailable("a"), true);
});

test("latency table: notAvailableDuration by the largest latency step reached", () => {
  const faults = new LatencyFaultTolerance(new FakeClock());
  const cases: [number, number][] = [[0, 0], [99, 0], [550, 30000], [999, 30000], [1000, 60000], [3000, 180000], [15000, 600000], [30000, 600000]];
  for (const [latency, duration] of cases) assert.equal(faults.notAvailableDurationFor(latency), duration, `latency ${latency}`);
});

test("no route: a clear error, no attempt", async () => {
  const { engine: e, attempts } = engine(new TopicPublishInfo([], undefined, { incrementAndGet: () => 0 } as never, false), () => ({ code: 0 }));
  await assert.rejects(e.sendDefault(message(), 2), /No route info of this topic: T/);
  assert.equal(attempts.length, 0);
});

test("fast path: with the route and address known, the request is written before sendDefault returns; retries still happen", async () => {
  const info = publishInfo(["a", "b"], 1, -1);
  let slowLookups = 0;
  const { engine: e, attempts } = engine(info, (mq) => (mq.brokerName === "a" ? new RemotingConnectError("a:1", "ECONNREFUSED") : { code: 0 }), {
    publishInfoNow: () => info,
    addrNow: (mq) => `${mq.brokerName}:1`,
    findPublishInfo: async () => { slowLookups++; return info; },
    addrOf: async (mq) => { slowLookups++; return `${mq.brokerName}:1`; },
  });
  const sending = e.sendDefault(message(), 2);
  assert.deepEqual(attempts.map((mq) => mq.brokerName), ["a"], "first attempt written synchronously");
  const result = await sending;
  assert.equal(result.messageQueue.brokerName, "b");
  assert.deepEqual(attempts.map((mq) => mq.brokerName), ["a", "b"]);
  assert.equal(slowLookups, 0);
});

test("fast path falls back to the lookups when the route or address is not known yet", async () => {
  const info = publishInfo(["a"], 1);
  const lookups: string[] = [];
  const { engine: e, attempts } = engine(info, () => ({ code: 0 }), {
    publishInfoNow: () => undefined,
    addrNow: () => undefined,
    findPublishInfo: async () => { lookups.push("route"); return info; },
    addrOf: async (mq) => { lookups.push("addr"); return `${mq.brokerName}:1`; },
  });
  await e.sendDefault(message(), 2);
  assert.deepEqual(lookups, ["route", "addr"]);
  assert.equal(attempts.length, 1);
});

test("selector send: a route lookup that spent the whole timeout fails the send before anything is written", async () => {
  const info = publishInfo(["a", "b"], 1);
  const { engine: e, attempts, clock } = engine(info, () => ({ code: 0 }), {
    // A NameServer that does not answer: the lookup waits out its own 3 s request timeout.
    findPublishInfo: async () => { clock.advance(3000); return info; },
  });
  await assert.rejects(e.sendSelect(message(), (queues) => queues[1]), (error: unknown) => {
    assert.ok(error instanceof MQClientError);
    assert.match(error.message, /sendSelectImpl call timeout: 3000 ms spent, timeout 3000 ms/);
    return true;
  });
  assert.equal(attempts.length, 0);
});

test("selector send: the attempt gets what the route lookup left of the timeout, on the selected queue", async () => {
  const info = publishInfo(["a", "b"], 1);
  const timeouts: number[] = [];
  let lookupMs = 1200;
  const { engine: e, clock } = engine(info, () => ({ code: 0 }), {
    findPublishInfo: async () => { clock.advance(lookupMs); return info; },
    invoke: async (_addr, _message, mq, timeoutMs) => {
      timeouts.push(timeoutMs);
      return createResponse(createRequest(310), 0, "remark", { msgId: "OFFSETID", queueId: String(mq.queueId), queueOffset: "7" });
    },
  });
  const result = await e.sendSelect(message(), (queues) => queues[1]);
  assert.equal(result.messageQueue.brokerName, "b");
  lookupMs = 2999;
  await e.sendSelect(message(), (queues) => queues[0]);
  lookupMs = 0;
  await e.sendSelect(message(), (queues) => queues[0], 500);
  assert.deepEqual(timeouts, [1800, 1, 500]);
});
