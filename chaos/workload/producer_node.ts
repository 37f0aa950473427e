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
//
// Two classes with named state: ProducerClient is the RocketMQ producer and how one unit's send
// is recorded (attempt tallies, routes, the transactional path); ProducerNode is the sending
// schedule (the message plan, the steady timer, bursts, sends in flight, `stopped`). Start order
// is part of the simulator's determinism and is kept exactly: producer built, topics ensured,
// start token drawn, plan built, burst timers set, then the first send scheduled.
import type { Env, TimerHandle } from "../../system/env/index.ts";
import type { MessageQueue } from "../../system/protocol/index.ts";
import { Producer } from "../../system/client/index.ts";
import type { SendResult, Message, ProducerOptions, TransactionProducer } from "../../system/client/index.ts";
import type { HistoryRecorder, SendInvoke } from "../history/types.ts";
import { changedIntervalOptions, type ProducerSpec } from "../scenario.ts";
import type { WorkerSpec, WorkloadNodeHandle } from "../deploy/worker_protocol.ts";
import { orderKeyHash } from "./message_identity.ts";
import { QueueLabels } from "./queue_label.ts";
import { describeError, isAmbiguous, isAmbiguousErrorName } from "./outcome.ts";
import { ensureTopics } from "./topics.ts";
import { aclSecretSetter, clientCredentials, credentialOptions } from "./acl_credentials.ts";
import { resolveNamesrvAddr } from "./namesrv_addr.ts";
import { MessagePlan, type SendUnit } from "./message_plan.ts";
import { RouteRecorder } from "./route_recorder.ts";
import { createTransactionProducer, sendInTransaction } from "./transaction_sender.ts";
import { lookUpStoredMessages } from "./key_lookup.ts";
import type { StoredMessage } from "./key_lookup.ts";
import type { TransactionSenderDeps } from "./transaction_sender.ts";

const defaultRatePerSecond = 10;
/** A burst lane whose send failed without taking any virtual time waits this long to resend. */
const burstRetryPauseMs = 1;

type SendAttemptEvent = Parameters<NonNullable<ProducerOptions["onSendAttempt"]>>[0];

/** Attempts of one unit in flight, keyed by its first message's id (the KEYS the client reports). */
interface AttemptTally {
  opId: number;
  attempts: number;
  ambiguous: boolean;
}

/** The node's RocketMQ producer and the records of each unit it sends. */
class ProducerClient {
  readonly spec: ProducerSpec;
  /** A late or separately configured client joins an existing workload (ProducerSpec.startAtMs). */
  readonly joinsExisting: boolean;
  readonly namesrvAddr: string;
  readonly setAclSecret: (secretKey: string | undefined) => void;
  private readonly tallies = new Map<string, AttemptTally>();
  private readonly queueLabels = new QueueLabels();
  private readonly routes: RouteRecorder;
  /** Transactional workloads (issue 16) send every single message with sendMessageInTransaction. */
  private readonly transactional: { producer: TransactionProducer; deps: TransactionSenderDeps } | undefined;
  private readonly producer: Producer;
  private readonly credentials: { accessKey?: string; secretKey?: string };
  /** Messages this producer's sends acknowledged (looked up by key when the run drains). */
  private readonly stored: StoredMessage[] = [];

  constructor(
    private readonly env: Env,
    private readonly worker: WorkerSpec,
    private readonly recorder: HistoryRecorder,
  ) {
    const producerSpec = worker.producer;
    if (!producerSpec) throw new Error(`${worker.node}: a producer node needs a producer spec`);
    this.spec = producerSpec;
    this.routes = new RouteRecorder(worker.node, recorder, this.runTimeMs);
    this.joinsExisting = producerSpec.startAtMs !== undefined || producerSpec.namesrvAddr !== undefined;
    this.namesrvAddr = producerSpec.namesrvAddr === undefined ? worker.namesrvAddr : resolveNamesrvAddr(producerSpec.namesrvAddr, worker.namesrvAddr);
    const credentials = clientCredentials(worker.workload, worker.node);
    this.setAclSecret = aclSecretSetter(env, credentials);
    this.credentials = credentialOptions(credentials);
    const options = this.producerOptions(this.credentials);
    const deps: TransactionSenderDeps | undefined = producerSpec.transactional === undefined ? undefined
      : { env, node: worker.node, spec: producerSpec.transactional, recorder, runTimeMs: this.runTimeMs };
    this.transactional = deps === undefined ? undefined : { producer: createTransactionProducer(deps, options), deps };
    this.producer = this.transactional?.producer ?? new Producer(env, options);
  }

  get node(): string {
    return this.worker.node;
  }

  readonly runTimeMs = (): number => this.env.clock.nowMs() - this.worker.runStartEpochMs;

  private producerOptions(credentials: { accessKey?: string; secretKey?: string }): ProducerOptions {
    const spec = this.spec;
    return {
      producerGroup: `mqlab-producer-${spec.topic}`,
      namesrvAddr: this.namesrvAddr,
      ...credentials,
      instanceName: this.node,
      clientIp: undefined,
      ...changedIntervalOptions(this.worker.intervals, { sendMsgTimeoutMs: "sendTimeoutMs", pollNameServerIntervalMs: "routePollMs", heartbeatBrokerIntervalMs: "clientHeartbeatMs" }),
      sendLatencyFaultEnable: spec.latencyFaultAvoidance ?? false,
      ...(spec.retryTimesWhenSendFailed === undefined ? {} : {
        retryTimesWhenSendFailed: spec.retryTimesWhenSendFailed, retryTimesWhenSendAsyncFailed: spec.retryTimesWhenSendFailed,
      }),
      ...(spec.notAvailableDurationMs === undefined ? {} : { notAvailableDurationMs: spec.notAvailableDurationMs }),
      ...(spec.retryResponseCodes === undefined ? {} : { retryResponseCodes: spec.retryResponseCodes }),
      ...(spec.retryAnotherBrokerWhenNotStoreOK === true ? { retryAnotherBrokerWhenNotStoreOK: true } : {}),
      onRouteChange: (topic, route) => {
        if (topic === spec.topic) this.routes.update(topic, route);
      },
      onSendAttempt: (event) => this.recordAttempt(event),
    };
  }

  private recordAttempt(event: SendAttemptEvent): void {
    const tally = event.keys === undefined ? undefined : this.tallies.get(event.keys.split(" ")[0] ?? "");
    if (tally !== undefined) {
      tally.attempts++;
      if (event.outcome === "error" && event.errorName !== undefined && isAmbiguousErrorName(event.errorName)) tally.ambiguous = true;
    }
    this.recorder.record({
      type: "attempt", op: "send", ...(tally === undefined ? {} : { opId: tally.opId }), timeMs: this.runTimeMs(), process: this.node,
      broker: event.mq.brokerName, queue: this.queueLabels.of(event.mq.brokerName, event.mq.queueId), outcome: event.outcome,
      ...(event.errorName === undefined ? {} : { errorName: event.errorName }),
      ...(event.responseCode === undefined ? {} : { responseCode: event.responseCode }),
      latencyMs: Math.round(event.latencyMs),
    });
  }

  private recordOk(invoke: SendInvoke, result: SendResult, index: number, attempts: number): void {
    this.recorder.record({
      type: "ok", op: "send", opId: invoke.opId, timeMs: this.runTimeMs(), process: this.node, messageId: invoke.messageId,
      queue: this.queueLabels.of(result.messageQueue.brokerName, result.messageQueue.queueId),
      // A batch is stored contiguously in one queue from the returned (first) offset.
      queueOffset: result.queueOffset < 0 ? result.queueOffset : result.queueOffset + index,
      sendStatus: result.sendStatus, ...(attempts > 0 ? { attempts } : {}),
    });
  }

  private recordError(invoke: SendInvoke, error: unknown, tally: AttemptTally): void {
    const ambiguous = tally.ambiguous || isAmbiguous(error);
    this.recorder.record({
      type: ambiguous ? "unknown" : "fail", op: "send", opId: invoke.opId, timeMs: this.runTimeMs(),
      process: this.node, messageId: invoke.messageId, error: describeError(error), attempts: tally.attempts,
    });
  }

  /** Sends one unit (a message or a batch) and records its invokes and outcomes. */
  async send(unit: SendUnit): Promise<void> {
    const first = unit.messages[0]!;
    for (const planned of unit.messages) this.recorder.record(planned.invoke);
    const tally: AttemptTally = { opId: first.invoke.opId, attempts: 0, ambiguous: false };
    this.tallies.set(first.invoke.messageId, tally);
    try {
      if (this.transactional !== undefined && !unit.batch) {
        await sendInTransaction(this.transactional.producer, this.transactional.deps, first.invoke, first.message, (error) => this.recordError(first.invoke, error, tally));
        return;
      }
      if (first.invoke.sendMode === "oneway" && !unit.batch) {
        await this.producer.sendOneway(first.message);
        // A oneway send has no acknowledgement: its outcome is unknown by construction.
        this.recorder.record({ type: "unknown", op: "send", opId: first.invoke.opId, timeMs: this.runTimeMs(), process: this.node, messageId: first.invoke.messageId, error: "oneway: no acknowledgement" });
        return;
      }
      const result = unit.batch
        ? await this.producer.sendBatch(unit.messages.map((planned) => planned.message))
        : first.invoke.orderKey !== undefined
          ? await this.producer.sendWithSelector(first.message, selectByKey, first.invoke.orderKey)
          : await this.producer.send(first.message);
      unit.messages.forEach((planned, index) => this.recordOk(planned.invoke, result, index, Math.max(1, tally.attempts)));
      for (const planned of unit.messages) {
        this.stored.push({ messageId: planned.invoke.messageId, topic: planned.invoke.topic, brokerName: result.messageQueue.brokerName });
      }
    } catch (error) {
      for (const planned of unit.messages) this.recordError(planned.invoke, error, tally);
    } finally {
      this.tallies.delete(first.invoke.messageId);
    }
  }

  start(): Promise<void> {
    return this.producer.start();
  }

  /** Looks every acked message up by its key (key_lookup.ts); once, when the run drains. */
  async lookUpStored(): Promise<void> {
    const stored = this.stored.splice(0);
    await lookUpStoredMessages({
      env: this.env, recorder: this.recorder, process: this.node, namesrvAddr: this.namesrvAddr, credentials: this.credentials, runTimeMs: this.runTimeMs,
    }, stored);
  }

  shutdown(): Promise<void> {
    return this.producer.shutdown();
  }
}

/** RocketMQ's MessageQueueSelector by order key: one key's messages share a queue. */
function selectByKey(queues: readonly MessageQueue[], _message: Message, key: string): MessageQueue {
  const queue = queues[orderKeyHash(key) % queues.length];
  if (queue === undefined) throw new Error("no queue to select from");
  return queue;
}

/** The sending schedule of a producer node: steady sends at the rate, bursts beside them. */
export class ProducerNode implements WorkloadNodeHandle {
  private readonly plan: MessagePlan;
  private readonly sendMode: NonNullable<ProducerSpec["sendMode"]>;
  /** Time between units at the rate (a batch counts as batchSize messages of the rate). */
  private readonly intervalMs: number;
  /** Set once producers are told to stop: no new unit starts. */
  private stopped = false;
  /** The next steady send (or the delayed start). */
  private timer: TimerHandle | undefined;
  private readonly burstTimers: TimerHandle[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  readonly setAclSecret: (secretKey: string | undefined) => void;

  private constructor(private readonly env: Env, private readonly client: ProducerClient, recorder: HistoryRecorder) {
    const startToken = env.random.nextU32().toString(36);
    this.sendMode = client.spec.sendMode ?? "sync";
    this.plan = new MessagePlan(client.spec, {
      node: client.node, startToken, random: env.random, nextOpId: () => recorder.nextOpId(), runTimeMs: client.runTimeMs,
    });
    const ratePerSecond = client.spec.ratePerSecond ?? defaultRatePerSecond;
    this.intervalMs = Math.max(1, Math.round((1000 * this.plan.unitSize) / ratePerSecond));
    this.setAclSecret = client.setAclSecret;
  }

  static async start(env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<ProducerNode> {
    const client = new ProducerClient(env, spec, recorder);
    if (!client.joinsExisting) await ensureTopics(env, spec, [client.spec.topic], recorder);
    const node = new ProducerNode(env, client, recorder);
    node.scheduleBursts(recorder);
    await node.scheduleStart(recorder);
    return node;
  }

  private remaining(): number {
    const total = this.client.spec.total;
    return total === undefined ? Number.MAX_SAFE_INTEGER : total - this.plan.sent;
  }

  private track(sending: Promise<void>): Promise<void> {
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
    return sending;
  }

  /** Sync/oneway: one unit at a time, next one at the next tick of the rate (or at once if late). */
  private readonly loop = (): void => {
    if (this.stopped || this.remaining() <= 0) return;
    const startedMs = this.env.clock.monotonicMs();
    void this.track(this.client.send(this.plan.next({ burst: false, sendMode: this.sendMode, remaining: this.remaining() }))).finally(() => {
      if (this.stopped) return;
      const spentMs = this.env.clock.monotonicMs() - startedMs;
      this.timer = this.env.timers.setTimeout(this.loop, Math.max(0, this.intervalMs - spentMs));
    });
  };

  /** Async: fire on every tick without waiting for the previous send. */
  private readonly tickAsync = (): void => {
    if (this.stopped || this.remaining() <= 0) return;
    void this.track(this.client.send(this.plan.next({ burst: false, sendMode: this.sendMode, remaining: this.remaining() })));
    this.timer = this.env.timers.setTimeout(this.tickAsync, this.intervalMs);
  };

  /** A burst: `lanes` sends in flight, each lane sending its next unit as soon as the previous one answered. */
  private burst(durationMs: number, lanes: number, recorder: HistoryRecorder): void {
    const untilMs = this.client.runTimeMs() + durationMs;
    recorder.record({ type: "note", timeMs: this.client.runTimeMs(), process: this.client.node, text: `burst: ${lanes} sends in flight for ${durationMs} ms` });
    const sendMode = this.sendMode === "oneway" ? "sync" : this.sendMode;
    const lane = (): void => {
      if (this.stopped || this.client.runTimeMs() >= untilMs || this.remaining() <= 0) return;
      const startedMs = this.env.clock.monotonicMs();
      void this.track(this.client.send(this.plan.next({ burst: true, sendMode, remaining: this.remaining() }))).finally(() => {
        // A send that fails before any I/O (RocketMQ's "The broker[..] not exist" when the
        // route names a broker without an address) takes no virtual time: re-sending at once
        // would spin the lane at one instant in promise continuations, never reaching untilMs.
        if (this.env.clock.monotonicMs() > startedMs) lane();
        else this.env.timers.setTimeout(lane, burstRetryPauseMs);
      });
    };
    for (let index = 0; index < Math.max(1, lanes); index++) lane();
  }

  private scheduleBursts(recorder: HistoryRecorder): void {
    for (const scheduled of this.client.spec.bursts ?? []) {
      this.burstTimers.push(this.env.timers.setTimeout(() => {
        if (!this.stopped) this.burst(scheduled.durationMs, scheduled.inFlight, recorder);
      }, Math.max(0, scheduled.atMs - this.client.runTimeMs())));
    }
  }

  private async begin(recorder: HistoryRecorder): Promise<void> {
    if (this.stopped) return;
    if (this.client.joinsExisting) recorder.record({ type: "note", timeMs: this.client.runTimeMs(), process: this.client.node, text: `producer starting (NAMESRV_ADDR ${this.client.namesrvAddr})` });
    await this.client.start();
    this.timer = this.env.timers.setTimeout(this.sendMode === "async" ? this.tickAsync : this.loop, 0);
  }

  /** Starts now, or at the spec's startAtMs (a late joiner); a failed late start is a note. */
  private async scheduleStart(recorder: HistoryRecorder): Promise<void> {
    const startInMs = (this.client.spec.startAtMs ?? 0) - this.client.runTimeMs();
    if (startInMs <= 0) return this.begin(recorder);
    this.timer = this.env.timers.setTimeout(() => {
      this.begin(recorder).catch((error: unknown) => recorder.record({ type: "note", timeMs: this.client.runTimeMs(), process: this.client.node, text: `producer start failed: ${describeError(error)}` }));
    }, startInMs);
  }

  async stopProducing(): Promise<void> {
    this.stopped = true;
    this.env.timers.clear(this.timer);
    for (const burstTimer of this.burstTimers) this.env.timers.clear(burstTimer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** The run drains: every acked message is looked up by its key on the broker that stored it. */
  async drain(): Promise<void> {
    await this.stopProducing();
    await this.client.lookUpStored();
  }

  async stop(): Promise<void> {
    await this.stopProducing();
    await this.client.shutdown();
  }
}
