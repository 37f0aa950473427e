// The contract between a deployer and its workload workers (chaos/deploy/worker.ts), shared by
// the process and the container deployers. A worker is one client node (a producer or a
// consumer) in its own OS process or container, run from a WorkerSpec; it streams its history
// as stdout lines "@@history <HistoryEvent JSON>" and reports its state as "@@control <JSON>";
// any other stdout line is plain log output. SIGUSR2 (or the stdin line "stop-producers")
// stops sending; SIGTERM stops the node; the stdin commands are in worker_commands.ts. Operation ids are local to one worker incarnation:
// the deployer maps them to run-wide ids (WorkerHistoryBridge), send attempts' included.
import type { Env } from "../../system/env/index.ts";
import type { HistoryEvent, HistoryRecorder } from "../history/types.ts";
import type { ConsumerGroupSpec, Intervals, ProducerSpec, Workload } from "../scenario.ts";
import { consumerNodeCount } from "../workload/consumer_schedule.ts";

export interface WorkerSpec {
  /** Node name: "producer-1", "consumer-<group>-1". */
  node: string;
  /** "rogue": the rogue-peer fault's attacker (module chaos/faults/rogue_peer_node.ts, spec.rogue). */
  role: "producer" | "consumer" | "rogue";
  namesrvAddr: string;
  /** Epoch ms at which the run started: history times are ms since then. */
  runStartEpochMs: number;
  seed: number;
  intervals: Intervals;
  /** The whole workload (topics, and the other nodes' specs for context). */
  workload: Workload;
  /** This node's spec: a producer's or a consumer group's. */
  producer?: ProducerSpec;
  consumer?: ConsumerGroupSpec;
  /** A rogue peer's target: the node, its remoting address and what it serves. */
  rogue?: { target: string; host: string; port: number; serverRole: "namesrv" | "broker" };
  /** 1-based index of this node within its producer spec or consumer group. */
  index: number;
  /** A directory this node may keep state in (broadcasting offsets); deployers set it per node. */
  stateDir?: string;
  /** Module exporting `runWorkloadNode`; default chaos/workload/index.ts. */
  module?: string;
}

/** What a workload module gives back for one running node. */
export interface WorkloadNodeHandle {
  /** Producers stop sending; in-flight sends finish and record their outcome. */
  stopProducing(): Promise<void>;
  /** Stops the node (consumers leave their group); events recorded before resolving. */
  stop(): Promise<void>;
  /**
   * The run drains (after quiesce, before teardown): record what only the end can show (a
   * group's dead letters). Optional; stop() does it too when the deployer never called it.
   */
  drain?(): Promise<void>;
  /** ACL fault: sign with this secret from now on; undefined restores the node's own (optional). */
  setAclSecret?(secretKey: string | undefined): void;
}

/** The entry a workload module exports for workers (and for the simulator, with its Env). */
export type RunWorkloadNode = (env: Env, spec: WorkerSpec, recorder: HistoryRecorder) => Promise<WorkloadNodeHandle>;

export const historyPrefix = "@@history ";
export const controlPrefix = "@@control ";

export type WorkerControl =
  | { event: "ready" }
  | { event: "producers-stopped" }
  | { event: "stopped" }
  | { event: "failed"; error: string }
  /** The answer to an acl-secret stdin command (worker_commands.ts); applied false: the node cannot sign. */
  | { event: "acl-secret"; applied: boolean };

export type WorkerLine =
  | { kind: "history"; event: HistoryEvent }
  | { kind: "control"; control: WorkerControl }
  | { kind: "log"; line: string };

export function formatHistoryLine(event: HistoryEvent): string {
  return historyPrefix + JSON.stringify(event) + "\n";
}

export function formatControlLine(control: WorkerControl): string {
  return controlPrefix + JSON.stringify(control) + "\n";
}

export function parseWorkerLine(line: string): WorkerLine {
  if (line.startsWith(historyPrefix)) return { kind: "history", event: JSON.parse(line.slice(historyPrefix.length)) as HistoryEvent };
  if (line.startsWith(controlPrefix)) return { kind: "control", control: JSON.parse(line.slice(controlPrefix.length)) as WorkerControl };
  return { kind: "log", line };
}

/**
 * Feeds worker history into the run's recorder. Each worker (incarnation) numbers its own
 * operations; an invoke gets a fresh run-wide id and its outcome the same one.
 */
export class WorkerHistoryBridge {
  private readonly idMaps = new Map<string, Map<number, number>>();

  constructor(private readonly recorder: HistoryRecorder) {}

  /** `incarnation` distinguishes a restarted worker (its ids start again at 1). */
  accept(incarnation: string, event: HistoryEvent): void {
    if ((event.type === "invoke" || event.type === "ok" || event.type === "fail" || event.type === "unknown") && event.op === "send") {
      let ids = this.idMaps.get(incarnation);
      if (!ids) this.idMaps.set(incarnation, (ids = new Map()));
      let runId = ids.get(event.opId);
      if (event.type === "invoke" || runId === undefined) {
        runId = this.recorder.nextOpId();
        ids.set(event.opId, runId);
      }
      this.recorder.record({ ...event, opId: runId });
      return;
    }
    if (event.type === "attempt" && event.opId !== undefined) {
      // An attempt belongs to an invoke already bridged (the producer records the invoke first).
      const runId = this.idMaps.get(incarnation)?.get(event.opId);
      const { opId: _local, ...rest } = event;
      this.recorder.record(runId === undefined ? rest : { ...rest, opId: runId });
      return;
    }
    this.recorder.record(event);
  }
}

/** What every worker of a run shares; workerSpecs adds each node's own part. */
export type WorkerSpecBase = Omit<WorkerSpec, "node" | "role" | "index" | "producer" | "consumer">;

/** A workload client's spec (the rogue peer's is made by the deployer that runs it). */
export type ClientWorkerSpec = WorkerSpec & { role: "producer" | "consumer" };

/**
 * One spec per client node, named as chaos/deploy/address_plan.ts clientNodes names
 * them (producers numbered across producer specs, consumers per group), consumers first so
 * they are subscribed before the first message is sent.
 */
export function workerSpecs(base: WorkerSpecBase): ClientWorkerSpec[] {
  const specs: ClientWorkerSpec[] = [];
  for (const consumer of base.workload.consumers) {
    for (let index = 1; index <= consumerNodeCount(consumer); index++) {
      specs.push({ ...base, node: `consumer-${consumer.group}-${index}`, role: "consumer", consumer, index });
    }
  }
  let producerNumber = 0;
  for (const producer of base.workload.producers) {
    for (let index = 1; index <= producer.count; index++) {
      specs.push({ ...base, node: `producer-${++producerNumber}`, role: "producer", producer, index });
    }
  }
  return specs;
}
