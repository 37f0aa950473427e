// The scenario file's schema, written once with TypeBox so that the TypeScript type and the
// JSON Schema cannot drift: `Static<typeof scenarioSchema>` must stay assignable to Scenario
// (chaos/scenario.ts) and back (checked at the bottom of this file by the compiler), and
// scenario.schema.json beside it is generated from this file (`npx tsx
// chaos/scenario_file/write_schema.ts`; a test fails when the shipped file is stale). Every
// object is closed (additionalProperties: false) so a misspelt key is an error, not ignored.
// A fault is a oneOf with a `kind` discriminator: a wrong kind is reported as one error with
// the allowed kinds, not as twelve failed branches.
import { Type, type Static } from "@sinclair/typebox";
import type { Fault } from "../faults/types.ts";
import type { Scenario } from "../scenario.ts";

const closed = { additionalProperties: false } as const;
/** A string enum (one ajv error naming the allowed values; editors offer them). */
function oneOfStrings<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values] });
}
const nonNegative = (description: string) => Type.Integer({ minimum: 0, description });
const node = (description: string) => Type.String({ minLength: 1, description });
const direction = oneOfStrings(["one-way", "both"]);
const portRole = oneOfStrings(["broker", "broker-vip", "ha", "namesrv", "any"]);

const faultBranches = [
  Type.Object({ kind: Type.Literal("crash"), target: node("node killed (SIGKILL); heal restarts it") }, closed),
  Type.Object({ kind: Type.Literal("power-loss"), target: node("machine losing power (sim only)") }, closed),
  Type.Object({ kind: Type.Literal("pause"), target: node("node frozen (SIGSTOP); heal resumes it") }, closed),
  Type.Object({
    kind: Type.Literal("firewall"), source: node("from"), target: node("to"), port: portRole,
    mode: oneOfStrings(["drop", "reject"]), direction,
  }, closed),
  Type.Object({
    kind: Type.Literal("heartbeat-loss"),
    scope: oneOfStrings(["broker-to-namesrv", "client-to-broker"]), source: node("whose heartbeats are lost"),
  }, closed),
  Type.Object({
    kind: Type.Literal("partition"),
    shape: oneOfStrings(["isolate", "halves", "bridge", "majorities-ring"]),
    target: Type.Optional(node("node isolated or bridged")),
  }, closed),
  Type.Object({
    kind: Type.Literal("flow"), source: node("from"), target: node("to"), delayMs: nonNegative("extra delay"), jitterMs: nonNegative("jitter"),
    lossPercent: Type.Number({ minimum: 0, maximum: 100 }), direction,
    bandwidthBytesPerSecond: Type.Optional(Type.Integer({ minimum: 1 })), resetPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  }, closed),
  Type.Object({
    kind: Type.Literal("connection-reset"), source: node("from"), target: node("to"), port: Type.Optional(portRole), midFrame: Type.Boolean(),
    asymmetricDelayMs: Type.Optional(nonNegative("the target hears the RST this much later")),
  }, closed),
  Type.Object({ kind: Type.Literal("clock-skew"), target: node("node whose wall clock jumps"), offsetMs: Type.Integer() }, closed),
  Type.Object({ kind: Type.Literal("slow-disk"), target: node("node with a slow fsync"), factor: Type.Number({ exclusiveMinimum: 0 }) }, closed),
  Type.Object({ kind: Type.Literal("disk-full"), target: node("node whose disk is full") }, closed),
  Type.Object({ kind: Type.Literal("clean-restart"), target: node("node shut down cleanly, started again at heal") }, closed),
  Type.Object({ kind: Type.Literal("disk-error"), target: node("node whose disk fails I/O with EIO"), errors: oneOfStrings(["write", "fsync", "both", "create"]) }, closed),
  Type.Object({ kind: Type.Literal("namesrv-all-down") }, closed),
  Type.Object({ kind: Type.Literal("acl-secret"), target: node("client whose secret key changes"), secretKey: Type.String() }, closed),
  Type.Object({ kind: Type.Literal("acl-file"), target: node("broker whose plain_acl.yml is rewritten"), text: Type.String({ description: "the new plain_acl.yml" }) }, closed),
  Type.Object({ kind: Type.Literal("rogue-peer"), target: node("NameServer or broker whose remoting port the rogue peer attacks") }, closed),
];

/** oneOf + discriminator (ajv `discriminator: true`): one error naming the allowed kinds. */
export const faultSchema = Type.Unsafe<Fault>({
  type: "object",
  description: "a fault (chaos/faults/types.ts); `kind` selects the shape",
  discriminator: { propertyName: "kind" },
  oneOf: faultBranches,
});

const scheduledFaultSchema = Type.Object({
  atMs: nonNegative("run time the fault is injected"),
  healAtMs: Type.Optional(nonNegative("run time it is healed (never, if absent)")),
  fault: faultSchema,
}, closed);

const producerSchema = Type.Object({
  count: Type.Integer({ minimum: 1 }),
  topic: Type.String({ minLength: 1 }),
  ratePerSecond: Type.Optional(Type.Number({ minimum: 0 })),
  total: Type.Optional(Type.Integer({ minimum: 0 })),
  tags: Type.Optional(Type.Array(Type.String())),
  ordered: Type.Optional(Type.Boolean()),
  orderKeys: Type.Optional(Type.Integer({ minimum: 1 })),
  sendMode: Type.Optional(oneOfStrings(["sync", "async", "oneway"])),
  bodySizeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  latencyFaultAvoidance: Type.Optional(Type.Boolean()),
  startAtMs: Type.Optional(nonNegative("the producer starts at this run time")),
  namesrvAddr: Type.Optional(Type.String()),
  delayPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  delayLevels: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 18 }))),
  batchSize: Type.Optional(Type.Integer({ minimum: 1 })),
  largeBodyPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  largeBodySizeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  compressiblePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  bursts: Type.Optional(Type.Array(Type.Object({ atMs: nonNegative("start"), durationMs: nonNegative("length"), inFlight: Type.Integer({ minimum: 1 }) }, closed))),
  retryTimesWhenSendFailed: Type.Optional(Type.Integer({ minimum: 0 })),
  notAvailableDurationMs: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
  sqlProperties: Type.Optional(Type.Boolean({ description: "messages carry properties n / color / region for SQL92 selectors" })),
  transactional: Type.Optional(Type.Object({
    rollbackPercent: Type.Number({ minimum: 0, maximum: 100 }), unknownPercent: Type.Number({ minimum: 0, maximum: 100 }),
    localTransactionMs: Type.Optional(nonNegative("how long each local transaction takes")),
  }, { ...closed, description: "send every message in a transaction: some roll back, some stay UNKNOW until the broker's check" })),
  retryResponseCodes: Type.Optional(Type.Array(Type.Integer(), { description: "response codes retried on another broker (default: 4.9.x's)" })),
  retryAnotherBrokerWhenNotStoreOK: Type.Optional(Type.Boolean({ description: "retry a stored-but-not-SEND_OK answer on another broker" })),
}, closed);

const consumerSchema = Type.Object({
  group: Type.String({ minLength: 1 }),
  topic: Type.String({ minLength: 1 }),
  count: Type.Integer({ minimum: 0 }),
  mode: Type.Optional(oneOfStrings(["push", "pull"])),
  model: Type.Optional(oneOfStrings(["CLUSTERING", "BROADCASTING"])),
  subscription: Type.Optional(Type.String()),
  orderly: Type.Optional(Type.Boolean()),
  processingMs: Type.Optional(nonNegative("processing time per message")),
  slowPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: "percent of messages whose consumption takes slowMs more" })),
  slowMs: Type.Optional(nonNegative("extra processing time of a slow message")),
  consumeTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: "consumeTimeout in ms (Java: minutes)" })),
  pullMaxIdleTimeMs: Type.Optional(Type.Integer({ minimum: 1, description: "pullMaxIdleTime in ms (default 120 s)" })),
  failurePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  allocateStrategy: Type.Optional(oneOfStrings(["AVG", "AVG_BY_CIRCLE", "CONSISTENT_HASH"])),
  failureMode: Type.Optional(oneOfStrings(["reconsume-later", "throw"])),
  poisonPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  maxReconsumeTimes: Type.Optional(Type.Integer({ minimum: 0 })),
  consumeBatchMaxSize: Type.Optional(Type.Integer({ minimum: 1 })),
  pullBatchSize: Type.Optional(Type.Integer({ minimum: 1 })),
  postSubscriptionWhenPull: Type.Optional(Type.Boolean()),
  consumeFromWhere: Type.Optional(oneOfStrings(["CONSUME_FROM_LAST_OFFSET", "CONSUME_FROM_FIRST_OFFSET", "CONSUME_FROM_TIMESTAMP"])),
  consumeTimestampMs: Type.Optional(nonNegative("CONSUME_FROM_TIMESTAMP start")),
  startAtMs: Type.Optional(nonNegative("the group's consumers start at this run time")),
  scale: Type.Optional(Type.Array(Type.Object({ atMs: nonNegative("when"), count: Type.Integer({ minimum: 0 }) }, closed))),
  readDlq: Type.Optional(Type.Boolean()),
  sqlSelector: Type.Optional(Type.String({ description: "SQL92 selector (brokers need enablePropertyFilter=true)" })),
}, closed);

const interval = () => Type.Optional(Type.Integer({ minimum: 1 }));
const intervalsSchema = Type.Object({
  routePollMs: interval(), clientHeartbeatMs: interval(), brokerRegisterMs: interval(), namesrvScanMs: interval(),
  brokerExpiryMs: interval(), clientScanMs: interval(), clientExpiryMs: interval(), rebalanceMs: interval(),
  offsetPersistMs: interval(), sendTimeoutMs: interval(), pullSuspendMs: interval(),
}, { ...closed, description: "RocketMQ timings a run may shorten (defaults: 4.9.7's)" });

export const checkerNames = [
  "delivery", "order", "failover", "rebalance", "latency", "orderly", "sharding", "retry", "delay", "late-join",
  "producer-failover", "replica", "routes", "duplicates", "send-status", "sql-filter", "transactions", "key-lookup", "consumer-progress",
  "rogue-peer", "store",
] as const;

const expectationsSchema = Type.Object({
  checkers: Type.Array(oneOfStrings(checkerNames)),
  guarantee: Type.Optional(oneOfStrings(["auto", "no-loss", "loss-allowed"])),
  maxSendUnavailableMs: Type.Optional(nonNegative("failover bound for sends")),
  maxConsumeUnavailableMs: Type.Optional(nonNegative("failover bound for consumption")),
  rebalanceConvergeMs: Type.Optional(nonNegative("rebalance convergence bound")),
  maxDuplicated: Type.Optional(nonNegative("distinct duplicated messages allowed")),
}, closed);

const credentialsSchema = Type.Object({ accessKey: Type.String({ minLength: 1 }), secretKey: Type.String({ minLength: 1 }) }, closed);

const confSchema = Type.Record(Type.String(), Type.String(), { description: "broker.conf keys and values" });

const testFaultsSchema = Type.Object({
  ackBeforeFlush: Type.Optional(Type.Boolean()), dropEveryNthSend: Type.Optional(Type.Integer({ minimum: 0 })),
  duplicatePullEveryNth: Type.Optional(Type.Integer({ minimum: 0 })), skipCommitOffset: Type.Optional(Type.Boolean()),
  writeBehindMs: Type.Optional(Type.Integer({ minimum: 0 })), lockGrantEveryone: Type.Optional(Type.Boolean()),
  retryWithoutDelay: Type.Optional(Type.Boolean()), dlqOffByOne: Type.Optional(Type.Boolean()), delayIgnored: Type.Optional(Type.Boolean()),
  lastOffsetFromZero: Type.Optional(Type.Boolean()), slaveCorruptsReplica: Type.Optional(Type.Integer({ minimum: 0 })),
  syncMasterAcksEarly: Type.Optional(Type.Boolean()), namesrvKeepsClosedBroker: Type.Optional(Type.Boolean()),
  slaveSkipsOffsetSync: Type.Optional(Type.Boolean()), sqlFilterIgnored: Type.Optional(Type.Boolean()),
}, { ...closed, description: "test-only broken switches (simulator only)" });

const segmentationSchema = Type.Object({
  maxSegmentBytes: Type.Integer({ minimum: 1 }), splitPercent: Type.Number({ minimum: 0, maximum: 100 }),
  coalescePercent: Type.Number({ minimum: 0, maximum: 100 }), pieceGapMaxMs: Type.Number({ minimum: 0, description: "gap between pieces" }),
}, closed);

export const scenarioSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  description: Type.String(),
  topology: Type.String({
    minLength: 1,
    description: "1m | 2m-noslave | 2m-2s-async | 2m-2s-sync, or a directory (relative to the file) holding topology.json and broker.conf files",
  }),
  brokerConfig: Type.Optional(confSchema),
  brokerConfigByNode: Type.Optional(Type.Record(Type.String(), confSchema)),
  intervals: Type.Optional(intervalsSchema),
  workload: Type.Object({
    topics: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), queues: Type.Integer({ minimum: 1 }) }, closed)),
    producers: Type.Array(producerSchema),
    consumers: Type.Array(consumerSchema),
    acl: Type.Optional(Type.Object({
      clients: Type.Optional(credentialsSchema),
      byNode: Type.Optional(Type.Record(Type.String(), credentialsSchema)),
      admin: Type.Optional(credentialsSchema),
    }, { ...closed, description: "keys the workload's clients and topic admin sign with" })),
  }, closed),
  faults: Type.Array(scheduledFaultSchema),
  durationMs: Type.Integer({ minimum: 1, description: "how long producers send" }),
  quiesceMs: nonNegative("drain time after producers stop and faults heal"),
  drainUntilIdle: Type.Optional(Type.Object({
    idleStepMs: Type.Integer({ minimum: 1 }), maxExtraMs: nonNegative("at most this much drain past quiesceMs"),
  }, { ...closed, description: "keep draining while consumers still receive new messages" })),
  expectations: expectationsSchema,
  brokerTopics: Type.Optional(Type.Array(Type.Object({
    node: node("broker node"), prefix: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 0 }), queues: Type.Integer({ minimum: 1 }),
  }, closed))),
  testFaults: Type.Optional(testFaultsSchema),
  generated: Type.Optional(Type.Object({
    config: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    draws: Type.Array(Type.Object({ kind: Type.String(), role: Type.String(), faults: Type.Integer() }, closed)),
    worldSeed: Type.Optional(Type.Integer()),
  }, { ...closed, description: "informational: what a swarm run drew" })),
  simNetwork: Type.Optional(Type.Object({ segmentation: Type.Optional(Type.Union([segmentationSchema, Type.Null()])) }, closed)),
  acl: Type.Optional(Type.Object({ file: Type.String({ description: "plain_acl.yml every broker starts with" }) }, { ...closed, description: "turn ACL on in every broker" })),
}, closed);

export type ScenarioFileScenario = Static<typeof scenarioSchema>;

// The compiler keeps the schema and chaos/scenario.ts in step (topology is a plain string in a
// file: a directory path is allowed there, and the loader checks the name).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** @public a compile-time check, exported only so the compiler does not call it unused (knip skips @public). */
export type SchemaMatchesScenario = Assert<Same<Omit<ScenarioFileScenario, "topology">, Omit<Scenario, "topology">>>;

const narrativeSchema = Type.Object({
  title: Type.String({ minLength: 1 }), symptom: Type.String(), cause: Type.String(),
  reportShows: Type.String({ description: "what in the report shows the cause" }), fix: Type.String(),
}, closed);

/**
 * How an incident file decides whether its symptom showed in a phase: a built-in incident's
 * reading (by name), or "these checkers failed" (present when every one of them failed).
 */
export const symptomSchema = Type.Union([
  Type.Object({ builtin: Type.String({ minLength: 1, description: "name of a built-in incident whose symptom reading is used" }) }, closed),
  Type.Object({ checkFails: Type.Array(oneOfStrings(checkerNames), { minItems: 1, description: "the symptom shows when every one of these checks fails" }) }, closed),
]);

export const incidentFileSchema = Type.Object({
  incident: Type.Object({
    name: Type.String({ minLength: 1 }),
    number: Type.Optional(Type.Integer({ minimum: 0 })),
    narrative: narrativeSchema,
    phaseTitles: Type.Object({ broken: Type.String(), fixed: Type.String() }, closed),
    symptom: symptomSchema,
  }, closed),
  phases: Type.Object({ broken: scenarioSchema, fixed: scenarioSchema }, closed),
}, closed);

export type IncidentFile = Static<typeof incidentFileSchema>;
