// What a checker knows besides the history: the scenario's expectations, the topology's facts
// (which broker nodes exist, their role and flush type, who is whose slave), the intervals the
// run used, the workload (topics, queue counts, consumer groups) and the fault schedule. All
// plain data, so checkers stay pure functions (history, context) → CheckResult.
import { parseProperties } from "../../system/config/index.ts";
import type { ScheduledFault } from "../faults/types.ts";
import type { ConsumerGroupSpec, Expectations, Intervals, Scenario, Workload } from "../scenario.ts";
import { effectiveIntervals } from "../scenario.ts";

export type BrokerRole = "ASYNC_MASTER" | "SYNC_MASTER" | "SLAVE";
export type FlushDiskType = "ASYNC_FLUSH" | "SYNC_FLUSH";

export interface BrokerFacts {
  /** Node name: the broker.conf file stem ("broker-a", "broker-a-s"; 1m: "broker-a"). */
  node: string;
  /** brokerName: the queue ref prefix ("broker-a:3") and the master/slave group. */
  brokerName: string;
  role: BrokerRole;
  flushDiskType: FlushDiskType;
  /**
   * ASYNC_FLUSH only: how long an acked message may sit in the page cache before it is
   * fsynced. RocketMQ flushes every flushIntervalCommitLog (500 ms) when at least
   * flushCommitLogLeastPages (4 pages) are dirty, and thoroughly every
   * flushCommitLogThoroughInterval (10 s), so a trickle of small messages can wait ~10.5 s.
   */
  unflushedWindowMs: number;
}

export interface TopologyFacts {
  name: string;
  brokers: BrokerFacts[];
}

export interface LatencyBounds {
  sendP99Ms?: number;
  endToEndP99Ms?: number;
}

export interface CheckOptions {
  /** Duplicated messages beyond this fail the delivery check (default: never fail). */
  maxDuplicated?: number;
  latency?: LatencyBounds;
  /** Evidence id lists are cut at this length (the count is always exact). */
  evidenceIdsMax?: number;
  /**
   * Whose clock the history's times are: "virtual" (the simulator: no scheduling noise) or
   * "wall" (real processes; the default). Timing bounds leave wall-clock runs more slack.
   */
  clock?: "virtual" | "wall";
}

export interface CheckContext {
  expectations: Expectations;
  topology: TopologyFacts;
  intervals: Intervals;
  workload: Workload;
  /** The fault schedule (what was planned; the history's nemesis events say what happened). */
  faults: readonly ScheduledFault[];
  /** When the run ended; defaults to the last event's time. */
  endMs?: number;
  /** The scenario's broker.conf overrides for every broker (e.g. messageDelayLevel). */
  brokerConfig?: Record<string, string>;
  options?: CheckOptions;
}

const defaultUnflushedWindowMs = 10_000 + 500;

/** Broker facts from broker.conf texts plus the scenario's overrides (later wins). */
export function topologyFactsFromFiles(
  topology: { name: string; brokers: readonly { file: string; text: string }[] },
  brokerConfig: Record<string, string> = {},
  brokerConfigByNode: Record<string, Record<string, string>> = {},
): TopologyFacts {
  const brokers = topology.brokers.map(({ file, text }): BrokerFacts => {
    const node = brokerNodeName(topology.name, file);
    const values = new Map<string, string>();
    for (const entry of parseProperties(text)) values.set(entry.key, entry.value);
    for (const [key, value] of Object.entries(brokerConfig)) values.set(key, value);
    for (const [key, value] of Object.entries(brokerConfigByNode[node] ?? {})) values.set(key, value);
    const role = values.get("brokerRole") ?? "ASYNC_MASTER";
    const flush = values.get("flushDiskType") ?? "ASYNC_FLUSH";
    const thoroughMs = Number(values.get("flushCommitLogThoroughInterval") ?? 10_000);
    const intervalMs = Number(values.get("flushIntervalCommitLog") ?? 500);
    const windowMs = thoroughMs + intervalMs;
    return {
      node,
      brokerName: values.get("brokerName") ?? node,
      role: role === "SYNC_MASTER" || role === "SLAVE" ? role : "ASYNC_MASTER",
      flushDiskType: flush === "SYNC_FLUSH" ? "SYNC_FLUSH" : "ASYNC_FLUSH",
      unflushedWindowMs: Number.isFinite(windowMs) ? windowMs : defaultUnflushedWindowMs,
    };
  });
  return { name: topology.name, brokers };
}

/** "broker-a-s.properties" → "broker-a-s"; 1m's "broker.properties" → "broker-a". */
export function brokerNodeName(topologyName: string, file: string): string {
  const stem = file.replace(/\.(properties|conf)$/, "");
  return topologyName === "1m" && stem === "broker" ? "broker-a" : stem;
}

export function contextFromScenario(
  scenario: Scenario,
  topology: TopologyFacts,
  extra: { endMs?: number; options?: CheckOptions } = {},
): CheckContext {
  const context: CheckContext = {
    expectations: scenario.expectations,
    topology,
    intervals: effectiveIntervals(scenario),
    workload: scenario.workload,
    faults: scenario.faults,
  };
  if (extra.endMs !== undefined) context.endMs = extra.endMs;
  if (scenario.brokerConfig !== undefined) context.brokerConfig = scenario.brokerConfig;
  if (extra.options !== undefined) context.options = extra.options;
  return context;
}

export function masters(topology: TopologyFacts): BrokerFacts[] {
  return topology.brokers.filter((broker) => broker.role !== "SLAVE");
}

export function slavesOf(topology: TopologyFacts, brokerName: string): BrokerFacts[] {
  return topology.brokers.filter((broker) => broker.brokerName === brokerName && broker.role === "SLAVE");
}

/** Queue count per master of a topic (0 when the workload does not name it). */
export function queuesPerBroker(workload: Workload, topic: string): number {
  return workload.topics.find((spec) => spec.name === topic)?.queues ?? 0;
}

/** Every queue of a topic: masters × queues ("broker-a:0" ...), sorted. */
export function topicQueues(context: CheckContext, topic: string): string[] {
  const count = queuesPerBroker(context.workload, topic);
  const refs: string[] = [];
  for (const broker of masters(context.topology)) {
    for (let queueId = 0; queueId < count; queueId++) refs.push(`${broker.brokerName}:${queueId}`);
  }
  return refs.sort();
}

/** The broker name of a queue ref ("broker-a:3" → "broker-a"). */
export function brokerOfQueue(queue: string): string {
  const colon = queue.lastIndexOf(":");
  return colon < 0 ? queue : queue.slice(0, colon);
}

/** The groups to check: the workload's, plus any group the history delivered to. */
export function groupSpecs(workload: Workload, deliveredGroups: Iterable<[string, string]>): ConsumerGroupSpec[] {
  const specs = [...workload.consumers];
  const known = new Set(specs.map((spec) => spec.group));
  for (const [group, topic] of deliveredGroups) {
    if (known.has(group)) continue;
    known.add(group);
    specs.push({ group, topic, count: 0 });
  }
  return specs;
}

/** Does a subscription expression ("*", "TagA || TagB") accept a message's tags? */
export function subscriptionAccepts(subscription: string | undefined, tags: string | undefined): boolean {
  const expression = (subscription ?? "*").trim();
  if (expression === "" || expression === "*") return true;
  if (tags === undefined) return false;
  return expression.split("||").some((tag) => tag.trim() === tags);
}
