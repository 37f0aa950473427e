// `mqlab sim --topology T --seed N --minutes M`: a topology with a steady workload in the
// simulator; prints one JSON object (traceHash, simulated and wall time, events, counts).
import { executeScenario } from "../execute.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import type { EventCosts } from "../sim/index.ts";
import type { Scenario, TopologyName } from "../scenario.ts";
import { steadyWorkload } from "../../scenarios/library/standard.ts";

export interface SimSummary {
  topology: string;
  seed: number;
  traceHash: string | undefined;
  simulatedMs: number | undefined;
  wallMs: number;
  events: number | undefined;
  simulatedPerWall: number | undefined;
  counts: { sent: number; acked: number; consumed: number };
  error?: string;
}

export function steadyScenario(topology: TopologyName, minutes: number, ratePerSecond?: number): Scenario {
  const workload = steadyWorkload();
  if (ratePerSecond !== undefined) workload.producers = workload.producers.map((producer) => ({ ...producer, ratePerSecond }));
  if (ratePerSecond === 0) workload.producers = [];
  return {
    name: `${topology}/steady`,
    description: `${topology} with a steady workload for ${minutes} simulated minutes`,
    topology,
    workload,
    faults: [],
    durationMs: Math.round(minutes * 60_000),
    quiesceMs: 0,
    // Counts only (simCommand runs no checker). Not [] (every checker): key-lookup would have the
    // producers query the index when the run drains, past durationMs and outside the steady state.
    expectations: { checkers: ["delivery"] },
  };
}

export async function simCommand(topology: TopologyName, seed: number, minutes: number, ratePerSecond?: number, eventCosts?: EventCosts): Promise<SimSummary> {
  const scenario = steadyScenario(topology, minutes, ratePerSecond);
  const deployer = new SimDeployer(eventCosts === undefined ? {} : { eventCosts });
  const execution = await executeScenario(scenario, deployer, { seed, outDir: "", wallClock: () => performance.now(), allowIdle: ratePerSecond === 0 });
  const sent = execution.history.events.filter((event) => event.type === "invoke").length;
  const acked = execution.history.events.filter((event) => event.type === "ok").length;
  const consumed = new Set(execution.history.events.flatMap((event) => (event.type === "deliver" && event.result === "success" ? [event.messageId] : []))).size;
  const summary: SimSummary = {
    topology,
    seed,
    traceHash: execution.traceHash,
    simulatedMs: execution.simulatedMs === undefined ? undefined : Math.round(execution.simulatedMs),
    wallMs: Math.round(execution.wallMs),
    events: execution.eventsProcessed,
    simulatedPerWall: execution.simulatedMs === undefined ? undefined : Math.round(execution.simulatedMs / Math.max(1, execution.wallMs)),
    counts: { sent, acked, consumed },
  };
  if (execution.error !== undefined) summary.error = execution.error;
  return summary;
}
