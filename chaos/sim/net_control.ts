// The lab's handle on the simulated network: firewall rules, partitions, flow faults.
// Every change is traced and re-evaluates held traffic at once (stalled streams resume
// after one latency; parked connects retry), so healing behaves like TCP retransmission.
//
// Partitions are sugar over DROP rules: partition([[a, b], [c]]) drops all traffic between
// the groups (nodes named in no group keep talking to everyone); partitionOneWay(from, to)
// drops only packets from -> to; isolate(name) cuts one node off from all others. Each
// returns a handle for heal(handle); heal() with no argument removes every rule.
import { assert } from "../../system/stdx/index.ts";
import { worldNodeIndex, type SimCore } from "./core.ts";
import type { ResetHandle, ResetSpec, SimNet } from "./net.ts";
import type { FlowFault, FlowFaultSpec, NetRule, NetRuleSpec, NodeSelector, SegmentationSpec, SegmentFilter } from "./net_policy.ts";
import { TraceKind } from "./trace.ts";

export interface RuleSet {
  readonly ruleIds: readonly number[];
}

const textEncoder = new TextEncoder();

export class NetControl {
  constructor(
    private readonly core: SimCore,
    private readonly net: SimNet,
    private readonly checkNode: (name: string) => unknown,
  ) {}

  addRule(spec: NetRuleSpec): NetRule {
    this.checkSelector(spec.from);
    this.checkSelector(spec.to);
    const rule = this.net.policy.addRule(spec);
    this.core.trace(TraceKind.ruleAdd, worldNodeIndex, rule.ruleId, spec.action === "drop" ? 1 : 2, describe(spec));
    this.net.reevaluate();
    return rule;
  }

  removeRule(rule: NetRule | number): void {
    const ruleId = typeof rule === "number" ? rule : rule.ruleId;
    if (!this.net.policy.removeRule(ruleId)) return;
    this.core.trace(TraceKind.ruleRemove, worldNodeIndex, ruleId, 0);
    this.net.reevaluate();
  }

  rules(): NetRule[] {
    return this.net.policy.listRules();
  }

  /** DROP between every pair of groups, both directions. */
  partition(groups: readonly (readonly string[])[]): RuleSet {
    assert(groups.length >= 2, "a partition needs at least two groups");
    const seen = new Set<string>();
    for (const name of groups.flat()) {
      assert(!seen.has(name), `${name} is in two groups`);
      seen.add(name);
    }
    const ruleIds: number[] = [];
    for (let left = 0; left < groups.length; left++) {
      for (let right = left + 1; right < groups.length; right++) {
        ruleIds.push(this.addRule({ from: groups[left]!, to: groups[right]!, action: "drop" }).ruleId);
      }
    }
    return { ruleIds };
  }

  /** DROP packets from -> to only: requests arrive, replies do not (or the reverse). */
  partitionOneWay(from: readonly string[], to: readonly string[]): RuleSet {
    return { ruleIds: [this.addRule({ from, to, action: "drop", direction: "one-way" }).ruleId] };
  }

  /** Cut one node off from every other node (both directions). */
  isolate(name: string): RuleSet {
    return { ruleIds: [this.addRule({ from: name, to: "*", action: "drop" }).ruleId] };
  }

  /** Removes the rules of one partition, or every rule when called without one. */
  heal(ruleSet?: RuleSet): void {
    const ruleIds = ruleSet?.ruleIds ?? this.rules().map((rule) => rule.ruleId);
    for (const ruleId of ruleIds) this.removeRule(ruleId);
  }

  /** Extra delay, jitter and loss (as retransmission delay) on matching segments. */
  addFlowFault(spec: FlowFaultSpec): FlowFault {
    this.checkSelector(spec.from);
    this.checkSelector(spec.to);
    const fault = this.net.policy.addFault(spec);
    this.core.trace(TraceKind.flowFaultAdd, worldNodeIndex, fault.faultId, 0, describe(spec));
    return fault;
  }

  removeFlowFault(fault: FlowFault | number): void {
    const faultId = typeof fault === "number" ? fault : fault.faultId;
    if (!this.net.policy.removeFault(faultId)) return;
    this.core.trace(TraceKind.flowFaultRemove, worldNodeIndex, faultId, 0);
  }

  flowFaults(): FlowFault[] {
    return this.net.policy.listFaults();
  }

  clearFlowFaults(): void {
    for (const fault of this.flowFaults()) this.removeFlowFault(fault);
  }

  /**
   * A protocol-aware fault: filter sees every written segment (one write() call) and may drop
   * or delay it. Sound for frame-per-write protocols such as RocketMQ remoting; see
   * SegmentFilter. Returns an id for removeSegmentFilter.
   */
  addSegmentFilter(filter: SegmentFilter): number {
    const filterId = this.net.policy.addFilter(filter);
    this.core.trace(TraceKind.filterAdd, worldNodeIndex, filterId, 0);
    return filterId;
  }

  removeSegmentFilter(filterId: number): void {
    if (!this.net.policy.removeFilter(filterId)) return;
    this.core.trace(TraceKind.filterRemove, worldNodeIndex, filterId, 0);
  }

  /**
   * Makes TCP streams hostile (writes split, coalesced, leaving in pieces; see SegmentationSpec)
   * or, with null, gentle again. Applies to writes from now on; queued bytes keep their chunks.
   */
  setSegmentation(spec: Readonly<SegmentationSpec> | null): void {
    this.net.setSegmentation(spec);
    this.core.trace(TraceKind.segmentation, worldNodeIndex, spec === null ? 0 : 1, 0, describe(spec ?? {}));
  }

  segmentation(): Readonly<SegmentationSpec> | null {
    return this.net.policy.segmentation;
  }

  /**
   * A middlebox resets the established connections whose endpoint on `from` talks to `to`
   * (either side may have connected): mid-frame or between frames, `from`'s side hearing
   * the RST first and the `to` side up to asymmetricDelayMs later. See ResetSpec.
   */
  resetConnections(spec: ResetSpec): ResetHandle {
    this.checkSelector(spec.from);
    this.checkSelector(spec.to);
    this.core.trace(TraceKind.resetInject, worldNodeIndex, spec.midFrame ? 1 : 0, 0, describe(spec));
    return this.net.resetConnections(spec);
  }

  /** Counters since the run began. */
  stats(): { segmentsDelivered: number; bytesDelivered: number; connectionsReset: number; bytesIntoVoid: number } {
    const net = this.net;
    return { segmentsDelivered: net.segmentsDelivered, bytesDelivered: net.bytesDelivered, connectionsReset: net.connectionsReset, bytesIntoVoid: net.bytesIntoVoid };
  }

  private checkSelector(selector: NodeSelector): void {
    if (selector === "*") return;
    for (const name of typeof selector === "string" ? [selector] : selector) this.checkNode(name);
  }
}

function describe(spec: object): Uint8Array {
  return textEncoder.encode(JSON.stringify(spec));
}
