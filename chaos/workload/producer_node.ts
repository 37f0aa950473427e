// A workload producer: sends at a steady rate and records every send as an invoke plus one
// outcome, and every attempt at a broker (SendAttemptEvent). Sync and oneway producers send one
// unit at a time, like a Java thread calling send(); async producers keep sends in flight
// concurrently. Ordered producers pick the queue by order key (RocketMQ's MessageQueueSelector),
// so one key's messages share a queue. A unit is one message or a batch (message_plan.ts: delay
// levels, batch sends, large and compressible bodies); a batch's messages each get their own
// invoke and outcome, at the batch's queue offset plus their index. Bursts send as fast as the
// cluster answers, with `inFlight` units outstanding, beside the steady loop. A producer may join
// mid-run (startAtMs) or with its own NAMESRV_ADDR; it then leaves topic creation to the others
// and records a note when it starts. Route changes of its topic are recorded as RouteEvents.
import type { Env, TimerHandle } from "../../system/env/index.ts";
import type { MessageQueue } from "../../system/protocol/index.ts";
import { Producer } from "../../system/client/index.ts";
import type { SendResult, Message, ProducerOptions } from "../../system/client/index.ts";
import type { HistoryRecorder, SendInvoke } from "../history/types.ts";
import type { ProducerSpec } from "../scenario.ts";
import type { WorkerSpec, WorkloadNodeHandle } from "../deploy/worker_protocol.ts";
import { orderKeyHash } from "./message_identity.ts";
import { describeError, isAmbiguous, isAmbiguousErrorName } from "./outcome.ts";
import { ensureTopics } from "./topics.ts";
import { aclSecretSetter, clientCredentials, credentialOptions } from "./acl_credentials.ts";
import { resolveNamesrvAddr } from "./namesrv_addr.ts";
import { MessagePlan, type SendUnit } from "./message_plan.ts";
import { RouteRecorder } from "./route_recorder.ts";
import { createTransactionProducer, sendInTransaction } from "./transaction_sender.ts";
import type { TransactionSenderDeps } from "./transaction_sender.ts";

const defaultRatePerSecond = 10;

/** Attempts of one unit in flight, keyed by its first message's id (the KEYS the client reports). */
interface AttemptTally {
  opId: number;
  attempts: number;
  ambiguous: boolean;
}

export async function startProducerNode(env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<WorkloadNodeHandle> {
  const producerSpec: ProducerSpec | undefined = spec.producer;
  if (!producerSpec) throw new Error(`${spec.node}: a producer node needs a producer spec`);
  const runTime = (): number => env.clock.nowMs() - spec.runStartEpochMs;
  const tallies = new Map<string, AttemptTally>();
  const routes = new RouteRecorder(spec.node, recorder, runTime);
  // A late or separately configured client joins an existing workload (ProducerSpec.startAtMs).
  const joinsExisting = producerSpec.startAtMs !== undefined || producerSpec.namesrvAddr !== undefined;
  const namesrvAddr = producerSpec.namesrvAddr === undefined ? spec.namesrvAddr : resolveNamesrvAddr(producerSpec.namesrvAddr, spec.namesrvAddr);
  const credentials = clientCredentials(spec.workload, spec.node);
  const producerOptions: ProducerOptions = {
    producerGroup: `mqlab-producer-${producerSpec.topic}`,
    namesrvAddr,
    ...credentialOptions(credentials),
    instanceName: spec.node,
    clientIp: undefined,
    sendMsgTimeoutMs: spec.intervals.sendTimeoutMs,
    pollNameServerIntervalMs: spec.intervals.routePollMs,
    heartbeatBrokerIntervalMs: spec.intervals.clientHeartbeatMs,
    sendLatencyFaultEnable: producerSpec.latencyFaultAvoidance ?? false,
    ...(producerSpec.retryTimesWhenSendFailed === undefined ? {} : {
      retryTimesWhenSendFailed: producerSpec.retryTimesWhenSendFailed, retryTimesWhenSendAsyncFailed: producerSpec.retryTimesWhenSendFailed,
    }),
    ...(producerSpec.notAvailableDurationMs === undefined ? {} : { notAvailableDurationMs: producerSpec.notAvailableDurationMs }),
    ...(producerSpec.retryResponseCodes === undefined ? {} : { retryResponseCodes: producerSpec.retryResponseCodes }),
    onRouteChange: (topic, route) => {
      if (topic === producerSpec.topic) routes.update(topic, route);
    },
    onSendAttempt: (event) => {
      const tally = event.keys === undefined ? undefined : tallies.get(event.keys.split(" ")[0] ?? "");
      if (tally !== undefined) {
        tally.attempts++;
        if (event.outcome === "error" && event.errorName !== undefined && isAmbiguousErrorName(event.errorName)) tally.ambiguous = true;
      }
      recorder.record({
        type: "attempt", op: "send", ...(tally === undefined ? {} : { opId: tally.opId }), timeMs: runTime(), process: spec.node,
        broker: event.mq.brokerName, queue: `${event.mq.brokerName}:${event.mq.queueId}`, outcome: event.outcome,
        ...(event.errorName === undefined ? {} : { errorName: event.errorName }),
        ...(event.responseCode === undefined ? {} : { responseCode: event.responseCode }),
        latencyMs: Math.round(event.latencyMs),
      });
    },
  };
  // Transactional workloads (issue 16) send every single message with sendMessageInTransaction.
  const txDeps: TransactionSenderDeps | undefined = producerSpec.transactional === undefined ? undefined
    : { env, node: spec.node, spec: producerSpec.transactional, recorder, runTimeMs: runTime };
  const txProducer = txDeps === undefined ? undefined : createTransactionProducer(txDeps, producerOptions);
  const producer = txProducer ?? new Producer(env, producerOptions);
  if (!joinsExisting) await ensureTopics(env, spec, [producerSpec.topic], recorder);

  const startToken = env.random.nextU32().toString(36);
  const sendMode = producerSpec.sendMode ?? "sync";
  const plan = new MessagePlan(producerSpec, {
    node: spec.node, startToken, random: env.random, nextOpId: () => recorder.nextOpId(), runTimeMs: runTime,
  });
  const ratePerSecond = producerSpec.ratePerSecond ?? defaultRatePerSecond;
  // A batch counts as batchSize messages of the rate.
  const intervalMs = Math.max(1, Math.round((1000 * plan.unitSize) / ratePerSecond));
  let stopped = false;
  let timer: TimerHandle | undefined;
  const burstTimers: TimerHandle[] = [];
  const inFlight = new Set<Promise<void>>();

  const recordOk = (invoke: SendInvoke, result: SendResult, index: number, attempts: number): void => {
    recorder.record({
      type: "ok", op: "send", opId: invoke.opId, timeMs: runTime(), process: spec.node, messageId: invoke.messageId,
      queue: `${result.messageQueue.brokerName}:${result.messageQueue.queueId}`,
      // A batch is stored contiguously in one queue from the returned (first) offset.
      queueOffset: result.queueOffset < 0 ? result.queueOffset : result.queueOffset + index,
      sendStatus: result.sendStatus, ...(attempts > 0 ? { attempts } : {}),
    });
  };
  const recordError = (invoke: SendInvoke, error: unknown, tally: AttemptTally): void => {
    const ambiguous = tally.ambiguous || isAmbiguous(error);
    recorder.record({
      type: ambiguous ? "unknown" : "fail", op: "send", opId: invoke.opId, timeMs: runTime(),
      process: spec.node, messageId: invoke.messageId, error: describeError(error), attempts: tally.attempts,
    });
  };

  const selectByKey = (queues: readonly MessageQueue[], _message: Message, key: string): MessageQueue => {
    const queue = queues[orderKeyHash(key) % queues.length];
    if (queue === undefined) throw new Error("no queue to select from");
    return queue;
  };

  const remaining = (): number => (producerSpec.total === undefined ? Number.MAX_SAFE_INTEGER : producerSpec.total - plan.sent);

  const sendUnit = async (unit: SendUnit): Promise<void> => {
    const first = unit.messages[0]!;
    for (const planned of unit.messages) recorder.record(planned.invoke);
    const tally: AttemptTally = { opId: first.invoke.opId, attempts: 0, ambiguous: false };
    tallies.set(first.invoke.messageId, tally);
    try {
      if (txProducer !== undefined && txDeps !== undefined && !unit.batch) {
        await sendInTransaction(txProducer, txDeps, first.invoke, first.message, (error) => recordError(first.invoke, error, tally));
        return;
      }
      if (first.invoke.sendMode === "oneway" && !unit.batch) {
        await producer.sendOneway(first.message);
        // A oneway send has no acknowledgement: its outcome is unknown by construction.
        recorder.record({ type: "unknown", op: "send", opId: first.invoke.opId, timeMs: runTime(), process: spec.node, messageId: first.invoke.messageId, error: "oneway: no acknowledgement" });
        return;
      }
      const result = unit.batch
        ? await producer.sendBatch(unit.messages.map((planned) => planned.message))
        : first.invoke.orderKey !== undefined
          ? await producer.sendWithSelector(first.message, selectByKey, first.invoke.orderKey)
          : await producer.send(first.message);
      unit.messages.forEach((planned, index) => recordOk(planned.invoke, result, index, Math.max(1, tally.attempts)));
    } catch (error) {
      for (const planned of unit.messages) recordError(planned.invoke, error, tally);
    } finally {
      tallies.delete(first.invoke.messageId);
    }
  };

  const track = (sending: Promise<void>): Promise<void> => {
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    return sending;
  };

  // Sync/oneway: one unit at a time, next one at the next tick of the rate (or at once if late).
  const loop = (): void => {
    if (stopped || remaining() <= 0) return;
    const startedMs = env.clock.monotonicMs();
    void track(sendUnit(plan.next({ burst: false, sendMode, remaining: remaining() }))).finally(() => {
      if (stopped) return;
      const spentMs = env.clock.monotonicMs() - startedMs;
      timer = env.timers.setTimeout(loop, Math.max(0, intervalMs - spentMs));
    });
  };
  // Async: fire on every tick without waiting for the previous send.
  const tickAsync = (): void => {
    if (stopped || remaining() <= 0) return;
    void track(sendUnit(plan.next({ burst: false, sendMode, remaining: remaining() })));
    timer = env.timers.setTimeout(tickAsync, intervalMs);
  };
  // A burst: `inFlight` lanes, each sending its next unit as soon as the previous one answered.
  const burst = (durationMs: number, lanes: number): void => {
    const untilMs = runTime() + durationMs;
    recorder.record({ type: "note", timeMs: runTime(), process: spec.node, text: `burst: ${lanes} sends in flight for ${durationMs} ms` });
    const lane = (): void => {
      if (stopped || runTime() >= untilMs || remaining() <= 0) return;
      void track(sendUnit(plan.next({ burst: true, sendMode: sendMode === "oneway" ? "sync" : sendMode, remaining: remaining() }))).finally(lane);
    };
    for (let index = 0; index < Math.max(1, lanes); index++) lane();
  };
  const begin = async (): Promise<void> => {
    if (stopped) return;
    if (joinsExisting) recorder.record({ type: "note", timeMs: runTime(), process: spec.node, text: `producer starting (NAMESRV_ADDR ${namesrvAddr})` });
    await producer.start();
    timer = env.timers.setTimeout(sendMode === "async" ? tickAsync : loop, 0);
  };
  for (const scheduled of producerSpec.bursts ?? []) {
    burstTimers.push(env.timers.setTimeout(() => {
      if (!stopped) burst(scheduled.durationMs, scheduled.inFlight);
    }, Math.max(0, scheduled.atMs - runTime())));
  }
  const startInMs = (producerSpec.startAtMs ?? 0) - runTime();
  if (startInMs > 0) {
    timer = env.timers.setTimeout(() => {
      begin().catch((error: unknown) => recorder.record({ type: "note", timeMs: runTime(), process: spec.node, text: `producer start failed: ${describeError(error)}` }));
    }, startInMs);
  } else {
    await begin();
  }

  const stopProducing = async (): Promise<void> => {
    stopped = true;
    env.timers.clear(timer);
    for (const burstTimer of burstTimers) env.timers.clear(burstTimer);
    await Promise.allSettled([...inFlight]);
  };
  return {
    stopProducing,
    setAclSecret: aclSecretSetter(env, credentials),
    stop: async () => {
      await stopProducing();
      await producer.shutdown();
    },
  };
}
