// Executes a scenario on a deployer: deploy, start the workload, play the fault schedule,
// stop producers, heal what is still broken, let consumers drain, tear down. Produces the
// recorded history; judging it is the checkers' job (chaos/judge.ts). Teardown always runs.
import type { Cluster, Deployer } from "./deploy/types.ts";
import { faultTarget, UnsupportedFaultError, type Fault } from "./faults/types.ts";
import { MemoryHistory } from "./history/types.ts";
import { planCluster } from "./plan.ts";
import type { RunProbes } from "./result.ts";
import type { Scenario } from "./scenario.ts";

export interface Execution {
  history: MemoryHistory;
  traceHash: string | undefined;
  eventsProcessed: number | undefined;
  simulatedMs: number | undefined;
  wallMs: number;
  /** Set when the run could not finish (deploy failure, crash of the lab itself). */
  error: string | undefined;
  /** Code probes hit in system/ over the whole run (teardown included), or why not collected. */
  probes: RunProbes;
  /** Run time the workload drained to: durationMs + quiesceMs, more when drainUntilIdle kept going. */
  endMs: number;
}

interface TimelineAction {
  atMs: number;
  phase: "inject" | "heal";
  faultIndex: number;
  fault: Fault;
}

/** Inject/heal actions in time order; at equal times heals run before injects. */
export function timelineOf(scenario: Scenario): TimelineAction[] {
  const actions: TimelineAction[] = [];
  scenario.faults.forEach((scheduled, faultIndex) => {
    actions.push({ atMs: scheduled.atMs, phase: "inject", faultIndex, fault: scheduled.fault });
    if (scheduled.healAtMs !== undefined) {
      actions.push({ atMs: scheduled.healAtMs, phase: "heal", faultIndex, fault: scheduled.fault });
    }
  });
  return actions.sort((a, b) => a.atMs - b.atMs || (a.phase === b.phase ? a.faultIndex - b.faultIndex : a.phase === "heal" ? -1 : 1));
}

/** Refuses, before anything starts, a scenario whose faults the deployer cannot give. */
export function checkFaultSupport(scenario: Scenario, deployer: Deployer): void {
  if (scenario.acl !== undefined && deployer.name === "container") {
    throw new Error(`scenario ${scenario.name}: ACL (Scenario.acl) needs plain_acl.yml on each broker; the container deployer does not place it yet (use sim or process)`);
  }
  if (scenario.testFaults !== undefined && deployer.name !== "sim") {
    throw new Error(`scenario ${scenario.name}: testFaults (a deliberately broken broker) exist only in the sim deployer`);
  }
  for (const scheduled of scenario.faults) {
    const support = deployer.supports(scheduled.fault.kind);
    if (!support.supported) throw new UnsupportedFaultError(deployer.name, scheduled.fault.kind, support.why);
  }
  deployer.checkScenario?.(scenario);
}

export function validateScenario(scenario: Scenario, allowIdle = false): void {
  const problems: string[] = [];
  if (scenario.durationMs <= 0) problems.push("durationMs must be positive");
  if (scenario.quiesceMs < 0) problems.push("quiesceMs must not be negative");
  if (scenario.drainUntilIdle !== undefined && !(scenario.drainUntilIdle.idleStepMs > 0 && scenario.drainUntilIdle.maxExtraMs >= 0)) {
    problems.push("drainUntilIdle needs idleStepMs > 0 and maxExtraMs >= 0");
  }
  scenario.faults.forEach((scheduled, index) => {
    if (scheduled.atMs < 0 || scheduled.atMs > scenario.durationMs) problems.push(`fault ${index}: atMs ${scheduled.atMs} outside [0, durationMs]`);
    if (scheduled.healAtMs !== undefined && scheduled.healAtMs < scheduled.atMs) problems.push(`fault ${index}: healAtMs before atMs`);
  });
  if (!allowIdle && scenario.workload.producers.length === 0) problems.push("the workload has no producer");
  if (problems.length > 0) throw new Error(`scenario ${scenario.name} is invalid: ${problems.join("; ")}`);
}

async function playTimeline(cluster: Cluster, scenario: Scenario, history: MemoryHistory, healed: Set<number>): Promise<void> {
  for (const action of timelineOf(scenario)) {
    if (action.atMs > scenario.durationMs) continue;
    await cluster.advanceTo(action.atMs);
    const base = { type: "nemesis" as const, timeMs: cluster.nowMs(), faultIndex: action.faultIndex, kind: action.fault.kind, target: faultTarget(action.fault) };
    if (action.phase === "inject") {
      history.record({ ...base, phase: "inject" });
      await cluster.inject(action.fault, action.faultIndex);
    } else {
      await cluster.heal(action.fault, action.faultIndex);
      healed.add(action.faultIndex);
      history.record({ ...base, phase: "heal" });
    }
  }
}

/** Faults whose schedule has a heal get it at the end of the send phase at the latest. */
async function healRemaining(cluster: Cluster, scenario: Scenario, history: MemoryHistory, healed: Set<number>): Promise<void> {
  for (const [faultIndex, scheduled] of scenario.faults.entries()) {
    if (healed.has(faultIndex) || scheduled.healAtMs === undefined) continue;
    await cluster.heal(scheduled.fault, faultIndex);
    history.record({ type: "nemesis", timeMs: cluster.nowMs(), phase: "heal", faultIndex, kind: scheduled.fault.kind, target: faultTarget(scheduled.fault), detail: "healed at the end of the send phase" });
  }
}

/**
 * Distinct (group, message) pairs delivered successfully so far: progress means a message
 * reached a group for the first time. Re-deliveries (duplicates, broadcast re-reads) do not
 * count, so a drain ends once nothing new arrives.
 */
function deliveredPairs(history: MemoryHistory): number {
  const seen = new Set<string>();
  for (const event of history.events) if (event.type === "deliver" && event.result === "success") seen.add(`${event.group}\u0000${event.messageId}`);
  return seen.size;
}

/** scenario.drainUntilIdle: more drain steps while a step still adds deliveries; returns the end. */
async function drainWhileProgressing(cluster: Cluster, scenario: Scenario, history: MemoryHistory, endMs: number): Promise<number> {
  const drain = scenario.drainUntilIdle;
  if (drain === undefined) return endMs;
  let delivered = deliveredPairs(history);
  let end = endMs;
  while (end - endMs < drain.maxExtraMs) {
    end += drain.idleStepMs;
    await cluster.advanceTo(end);
    const now = deliveredPairs(history);
    if (now === delivered) break;
    delivered = now;
  }
  if (end > endMs) history.record({ type: "note", timeMs: cluster.nowMs(), process: "lab", text: `drained ${end - endMs} ms past the quiesce (consumers were still making progress)` });
  return end;
}

/** True when the run's end needs the workload's drain: key lookups or consumer progress judged, or a DLQ to read. */
export function drainsWorkload(scenario: Pick<Scenario, "expectations" | "workload">): boolean {
  const checkers = scenario.expectations.checkers;
  if (checkers.length === 0 || checkers.includes("key-lookup") || checkers.includes("consumer-progress")) return true;
  return scenario.workload.consumers.some((group) => group.readDlq ?? (group.poisonPercent ?? 0) > 0);
}

export async function executeScenario(
  scenario: Scenario,
  deployer: Deployer,
  options: { seed: number; outDir: string; wallClock: () => number; allowIdle?: boolean },
): Promise<Execution> {
  validateScenario(scenario, options.allowIdle ?? false);
  checkFaultSupport(scenario, deployer);
  const wallStartMs = options.wallClock();
  const history = new MemoryHistory();
  const plan = planCluster(scenario, options.seed);
  let cluster: Cluster | undefined;
  let error: string | undefined;
  let endMs = scenario.durationMs + scenario.quiesceMs;
  try {
    cluster = await deployer.deploy(plan, { outDir: options.outDir, history });
    await cluster.startWorkload(scenario.workload, history);
    const healed = new Set<number>();
    await playTimeline(cluster, scenario, history, healed);
    await cluster.advanceTo(scenario.durationMs);
    await cluster.stopProducers();
    await healRemaining(cluster, scenario, history, healed);
    await cluster.advanceTo(scenario.durationMs + scenario.quiesceMs);
    endMs = await drainWhileProgressing(cluster, scenario, history, endMs);
    // In the simulator the drain's work is the producers' key lookups and the dead-letter reads
    // (delivery and retry count a dead-lettered message as handled): only for a run that needs
    // either. Elsewhere it is also how the workload ends (k8s: the Job completes, its logs are
    // collected), so it always runs.
    if (cluster.deployer !== "sim" || drainsWorkload(scenario)) await cluster.drainWorkload?.();
  } catch (caught) {
    error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
  }
  const simulatedMs = cluster?.deployer === "sim" ? cluster.nowMs() : undefined;
  const traceHash = cluster?.traceHash?.();
  const eventsProcessed = cluster?.eventsProcessed?.();
  if (cluster) {
    try {
      await cluster.teardown();
    } catch (caught) {
      error ??= `teardown failed: ${caught instanceof Error ? caught.message : String(caught)}`;
    }
  }
  const probes: RunProbes = cluster === undefined
    ? { collected: false, reason: "the cluster was never deployed" }
    : cluster.probeHits !== undefined
      ? { collected: true, hits: cluster.probeHits() }
      : { collected: false, reason: `the ${deployer.name} deployer does not collect code probes (its nodes run the real Env, which has no probe sink)` };
  return { history, traceHash, eventsProcessed, simulatedMs, wallMs: options.wallClock() - wallStartMs, error, probes, endMs };
}
