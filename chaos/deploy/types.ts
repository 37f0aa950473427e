// Deployers bring a topology up somewhere — in the simulator, as OS processes, or as
// containers — and give the runner one interface to drive it: let time pass, inject and heal
// faults, start the workload, tear down. The runner never knows which one it drives, so the
// same scenario gives comparable results everywhere.
import type { Fault, FaultKind } from "../faults/types.ts";
import type { HistoryRecorder } from "../history/types.ts";
import type { ProbeHits } from "../result.ts";
import type { BrokerTopicsSpec, Intervals, Scenario, SimNetworkSpec, Workload } from "../scenario.ts";
import type { BrokerTestFaults } from "../../system/broker/index.ts";

export type DeployerName = "sim" | "process" | "container" | "external" | "k8s";

export type NodeRole = "namesrv" | "broker" | "producer" | "consumer" | "rogue";

/** One broker of the plan: its node name and its final broker.conf text. */
export interface PlannedBroker {
  /** "broker-a", "broker-a-s", ... (the properties file stem). */
  node: string;
  brokerName: string;
  brokerId: number;
  /** broker.conf text after scenario overrides; deployers add address, ports and store path. */
  confText: string;
  /** Topics its store holds before its first start (Scenario.brokerTopics). */
  topics?: BrokerTopicsSpec;
  /** plain_acl.yml it starts with (Scenario.acl); its conf has aclEnable=true. */
  aclFile?: string;
}

/** What to deploy: derived from the scenario by the runner (chaos/plan.ts). */
export interface ClusterPlan {
  topology: string;
  /** "namesrv-1", "namesrv-2". */
  nameServers: string[];
  brokers: PlannedBroker[];
  intervals: Intervals;
  workload: Workload;
  seed: number;
  /** Test-only broker faults (Scenario.testFaults); only the sim deployer applies them. */
  testFaults?: BrokerTestFaults;
  /** Scenario.simNetwork: only the sim deployer applies it. */
  simNetwork?: SimNetworkSpec;
}

export interface DeployedNode {
  name: string;
  role: NodeRole;
  /** "ip:port" of its main listener (NameServers and brokers); undefined for clients. */
  address?: string;
  /** Whether the node is running now (false after crash until restart). */
  alive: boolean;
}

export interface Cluster {
  readonly deployer: DeployerName;
  /** Milliseconds since the run started (virtual time in the simulator). */
  nowMs(): number;
  /** Let time pass until run time `ms` (the simulator processes events; others wait). */
  advanceTo(ms: number): Promise<void>;
  nodes(): DeployedNode[];
  /** "ip:port;ip:port" of the NameServers, as clients are given it. */
  namesrvAddr(): string;
  inject(fault: Fault, faultIndex: number): Promise<void>;
  heal(fault: Fault, faultIndex: number): Promise<void>;
  /** Starts the workload's producers and consumers; their events go to the recorder. */
  startWorkload(workload: Workload, history: HistoryRecorder): Promise<void>;
  /** Producers stop sending (in-flight sends finish); consumers keep consuming. */
  stopProducers(): Promise<void>;
  /**
   * The run is over: live workload nodes record what only the end shows (dead letters), before
   * teardown. Optional: process and container workers do it when they are stopped.
   */
  drainWorkload?(): Promise<void>;
  /** Stops clients, then servers; removes every process, rule, namespace, container. */
  teardown(): Promise<void>;
  /** Simulator only: hash of every event so far; same seed, same hash. */
  traceHash?(): string;
  /** Simulator only: events processed. */
  eventsProcessed?(): number;
  /** Code probes hit so far, summed over every node (chaos/probes.ts); absent: not collected. */
  probeHits?(): ProbeHits;
}

export type FaultSupport = { supported: true } | { supported: false; why: string };

export interface Deployer {
  readonly name: DeployerName;
  /** Which faults this deployer can give for real; the runner refuses a scenario up front otherwise. */
  supports(kind: FaultKind): FaultSupport;
  deploy(plan: ClusterPlan, options: { outDir: string; history: HistoryRecorder }): Promise<Cluster>;
  /** Optional: refuses (throws one line) what the whole scenario asks that supports(kind) cannot see. */
  checkScenario?(scenario: Scenario): void;
}
