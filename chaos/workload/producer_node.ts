// A workload producer: sends at a steady rate and records every send as an invoke plus one
// outcome. Sync and oneway producers send one message at a time, like a Java thread calling
// send(); async producers keep sends in flight concurrently. Ordered producers pick the queue
// by order key (RocketMQ's MessageQueueSelector), so one key's messages share a queue. A
// producer may join mid-run (startAtMs) or with its own NAMESRV_ADDR; it then leaves topic
// creation to the others and records a note when it starts.
import type { Env, TimerHandle } from "../../system/env/env.ts";
import type { MessageQueue } from "../../system/client/message_queue.ts";
import { Producer } from "../../system/client/producer/producer.ts";
import type { SendResult } from "../../system/client/producer/send_kernel.ts";
import type { Message } from "../../system/client/message.ts";
import type { HistoryRecorder, SendInvoke } from "../history/types.ts";
import type { ProducerSpec } from "../scenario.ts";
import type { WorkerSpec, WorkloadNodeHandle } from "../deploy/worker_protocol.ts";
import { encodeBody, makeMessageId, orderKeyHash } from "./message_identity.ts";
import { describeError, isAmbiguous, isAmbiguousErrorName } from "./outcome.ts";
import { ensureTopics } from "./topics.ts";
import { resolveNamesrvAddr } from "./namesrv_addr.ts";

const defaultRatePerSecond = 10;
const defaultBodySizeBytes = 256;

export async function startProducerNode(env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<WorkloadNodeHandle> {
  const producerSpec: ProducerSpec | undefined = spec.producer;
  if (!producerSpec) throw new Error(`${spec.node}: a producer node needs a producer spec`);
  const runTime = (): number => env.clock.nowMs() - spec.runStartEpochMs;
  let attemptsOfCurrent = 0;
  let ambiguousAttempt = false;
  // A late or separately configured client joins an existing workload (ProducerSpec.startAtMs).
  const joinsExisting = producerSpec.startAtMs !== undefined || producerSpec.namesrvAddr !== undefined;
  const namesrvAddr = producerSpec.namesrvAddr === undefined ? spec.namesrvAddr : resolveNamesrvAddr(producerSpec.namesrvAddr, spec.namesrvAddr);
  const producer = new Producer(env, {
    producerGroup: `mqlab-producer-${producerSpec.topic}`,
    namesrvAddr,
    instanceName: spec.node,
    clientIp: undefined,
    sendMsgTimeoutMs: spec.intervals.sendTimeoutMs,
    pollNameServerIntervalMs: spec.intervals.routePollMs,
    heartbeatBrokerIntervalMs: spec.intervals.clientHeartbeatMs,
    sendLatencyFaultEnable: producerSpec.latencyFaultAvoidance ?? false,
    onSendAttempt: (event) => {
      attemptsOfCurrent++;
      if (event.outcome === "error" && event.errorName !== undefined && isAmbiguousErrorName(event.errorName)) ambiguousAttempt = true;
    },
  });
  if (!joinsExisting) await ensureTopics(env, spec, [producerSpec.topic]);

  const startToken = env.random.nextU32().toString(36);
  const ratePerSecond = producerSpec.ratePerSecond ?? defaultRatePerSecond;
  const intervalMs = Math.max(1, Math.round(1000 / ratePerSecond));
  const sendMode = producerSpec.sendMode ?? "sync";
  const orderKeys = producerSpec.ordered ? Math.max(1, producerSpec.orderKeys ?? 8) : 0;
  const orderSeqByKey = new Map<string, number>();
  let sequence = 0;
  let stopped = false;
  let timer: TimerHandle | undefined;
  const inFlight = new Set<Promise<void>>();

  const buildMessage = (): { invoke: SendInvoke; message: Message } => {
    sequence++;
    const messageId = makeMessageId(spec.node, startToken, sequence);
    const tags = producerSpec.tags?.length ? producerSpec.tags[sequence % producerSpec.tags.length] : undefined;
    const invoke: SendInvoke = {
      type: "invoke", op: "send", opId: recorder.nextOpId(), timeMs: runTime(), process: spec.node,
      topic: producerSpec.topic, messageId, sendMode,
    };
    if (tags !== undefined) invoke.tags = tags;
    if (orderKeys > 0) {
      // The start token keeps a restarted producer's keys (and their sequences) apart.
      const orderKey = `${spec.node}.${startToken}-key-${sequence % orderKeys}`;
      const orderSeq = orderSeqByKey.get(orderKey) ?? 0;
      orderSeqByKey.set(orderKey, orderSeq + 1);
      invoke.orderKey = orderKey;
      invoke.orderSeq = orderSeq;
    }
    const message: Message = { topic: producerSpec.topic, body: encodeBody(messageId, producerSpec.bodySizeBytes ?? defaultBodySizeBytes), tags, keys: [messageId] };
    return { invoke, message };
  };

  // Concurrent (async) sends share the producer's attempt hook, so only one-at-a-time
  // producers attribute attempts to a message; async ones judge by the final error alone.
  const tracksAttempts = sendMode !== "async";
  const recordOk = (invoke: SendInvoke, result: SendResult): void => {
    recorder.record({
      type: "ok", op: "send", opId: invoke.opId, timeMs: runTime(), process: spec.node, messageId: invoke.messageId,
      queue: `${result.messageQueue.brokerName}:${result.messageQueue.queueId}`, queueOffset: result.queueOffset,
      sendStatus: result.sendStatus, ...(tracksAttempts ? { attempts: Math.max(1, attemptsOfCurrent) } : {}),
    });
  };
  const recordError = (invoke: SendInvoke, error: unknown): void => {
    const ambiguous = (tracksAttempts && ambiguousAttempt) || isAmbiguous(error);
    recorder.record({
      type: ambiguous ? "unknown" : "fail", op: "send", opId: invoke.opId, timeMs: runTime(),
      process: spec.node, messageId: invoke.messageId, error: describeError(error),
      ...(tracksAttempts ? { attempts: attemptsOfCurrent } : {}),
    });
  };

  const selectByKey = (queues: readonly MessageQueue[], _message: Message, key: string): MessageQueue => {
    const queue = queues[orderKeyHash(key) % queues.length];
    if (queue === undefined) throw new Error("no queue to select from");
    return queue;
  };

  const sendOne = async (): Promise<void> => {
    const { invoke, message } = buildMessage();
    recorder.record(invoke);
    attemptsOfCurrent = 0;
    ambiguousAttempt = false;
    try {
      if (sendMode === "oneway") {
        await producer.sendOneway(message);
        // A oneway send has no acknowledgement: its outcome is unknown by construction.
        recorder.record({ type: "unknown", op: "send", opId: invoke.opId, timeMs: runTime(), process: spec.node, messageId: invoke.messageId, error: "oneway: no acknowledgement" });
        return;
      }
      const result = invoke.orderKey !== undefined
        ? await producer.sendWithSelector(message, selectByKey, invoke.orderKey)
        : await producer.send(message);
      recordOk(invoke, result);
    } catch (error) {
      recordError(invoke, error);
    }
  };

  // Sync/oneway: one send at a time, next one at the next tick of the rate (or at once if late).
  const loop = (): void => {
    if (stopped) return;
    if (producerSpec.total !== undefined && sequence >= producerSpec.total) return;
    const startedMs = env.clock.monotonicMs();
    const sending = sendOne().finally(() => {
      inFlight.delete(sending);
      const spentMs = env.clock.monotonicMs() - startedMs;
      timer = env.timers.setTimeout(loop, Math.max(0, intervalMs - spentMs));
    });
    inFlight.add(sending);
  };
  // Async: fire on every tick without waiting for the previous send.
  const tickAsync = (): void => {
    if (stopped) return;
    if (producerSpec.total !== undefined && sequence >= producerSpec.total) return;
    const sending = sendOne().finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    timer = env.timers.setTimeout(tickAsync, intervalMs);
  };
  const begin = async (): Promise<void> => {
    if (stopped) return;
    if (joinsExisting) recorder.record({ type: "note", timeMs: runTime(), process: spec.node, text: `producer starting (NAMESRV_ADDR ${namesrvAddr})` });
    await producer.start();
    timer = env.timers.setTimeout(sendMode === "async" ? tickAsync : loop, 0);
  };
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
    await Promise.allSettled([...inFlight]);
  };
  return {
    stopProducing,
    stop: async () => {
      await stopProducing();
      await producer.shutdown();
    },
  };
}
