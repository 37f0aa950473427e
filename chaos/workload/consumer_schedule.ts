// When each consumer node of a group runs. A group has as many nodes as it ever needs at once:
// max(count, every scale step's count) — deployers create that many ("consumer-<group>-<n>").
// Node n is active from the group's startAtMs (default 0) while n <= the group's current size:
// `count` at first, then each scale step's count from its atMs on. So scaling out starts the
// next-numbered nodes and scaling in stops the highest-numbered ones, as an operator adding and
// removing instances would. Pure: the consumer node plays the transitions on its Env's timers.
import type { ConsumerGroupSpec } from "../scenario.ts";

/** Nodes a deployer creates for this group. */
export function consumerNodeCount(group: ConsumerGroupSpec): number {
  return Math.max(group.count, ...(group.scale ?? []).map((step) => step.count));
}

export interface ActivityChange {
  /** Run time (ms) of the change; the first change is at the group's startAtMs. */
  atMs: number;
  active: boolean;
}

/** Node `index`'s (1-based) starts and stops, in time order, without repeats. */
export function activitySchedule(group: ConsumerGroupSpec, index: number): ActivityChange[] {
  const startAtMs = group.startAtMs ?? 0;
  const steps = [...(group.scale ?? [])].sort((a, b) => a.atMs - b.atMs);
  let size = group.count;
  for (const step of steps) if (step.atMs <= startAtMs) size = step.count;
  const changes: ActivityChange[] = [];
  let active = index <= size;
  if (active) changes.push({ atMs: startAtMs, active: true });
  for (const step of steps) {
    if (step.atMs <= startAtMs) continue;
    const next = index <= step.count;
    if (next !== active) changes.push({ atMs: step.atMs, active: next });
    active = next;
  }
  return changes;
}
