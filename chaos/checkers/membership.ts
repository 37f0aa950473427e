// Who is in a consumer group when: membership events (join/leave as the workload saw them),
// plus node events for the consumer's node (crash, power-loss and stop end its membership even
// if the workload could not record a leave; pause does not: a paused consumer still holds its
// queues until the broker expires it). A process seen only through deliveries or rebalance
// snapshots is a member from its first event and alive at the end unless its node died.
// A node "stop" is a clean leave; "crash" and "power-loss" are unclean (no unregister, so the
// broker only notices after client expiry).
import type { HistoryIndex } from "./history_index.ts";

export interface MemberTimeline {
  process: string;
  group: string;
  /** Recorded join times. */
  joinsMs: number[];
  leavesMs: number[];
  aliveAtEnd: boolean;
  /** The first event of any kind that names this member in this group. */
  firstSeenMs: number;
  /** The recorded join that started the current (or last) membership; -Infinity if none. */
  lastJoinMs: number;
  /** The last join or leave (first seen, if none), and whether it was an unclean leave. */
  lastChangeMs: number;
  lastChangeUnclean: boolean;
}

type Change = { timeMs: number; kind: "join" | "leave" | "death" };

/** Per group, per process: the membership timeline. */
export function membershipOf(index: HistoryIndex): Map<string, Map<string, MemberTimeline>> {
  const changes = new Map<string, Map<string, Change[]>>();
  const firstSeen = new Map<string, Map<string, number>>();
  const note = (group: string, process: string, timeMs: number): void => {
    const perGroup = firstSeen.get(group) ?? new Map<string, number>();
    if (!perGroup.has(process)) perGroup.set(process, timeMs);
    firstSeen.set(group, perGroup);
  };
  for (const event of index.memberships) {
    const perGroup = changes.get(event.group) ?? new Map<string, Change[]>();
    const list = perGroup.get(event.process) ?? [];
    list.push({ timeMs: event.timeMs, kind: event.change });
    perGroup.set(event.process, list);
    changes.set(event.group, perGroup);
    note(event.group, event.process, event.timeMs);
  }
  for (const event of index.rebalances) note(event.group, event.process, event.timeMs);
  for (const event of index.deliveries) note(event.group, event.process, event.timeMs);
  const deaths = new Map<string, Change[]>();
  for (const event of index.nodes) {
    if (event.event !== "crash" && event.event !== "power-loss" && event.event !== "stop") continue;
    const list = deaths.get(event.node) ?? [];
    list.push({ timeMs: event.timeMs, kind: event.event === "stop" ? "leave" : "death" });
    deaths.set(event.node, list);
  }
  const result = new Map<string, Map<string, MemberTimeline>>();
  for (const [group, processes] of firstSeen) {
    const timelines = new Map<string, MemberTimeline>();
    for (const [process, firstMs] of processes) {
      const own = changes.get(group)?.get(process) ?? [];
      const merged: Change[] = [...own, ...(deaths.get(process) ?? [])];
      timelines.set(process, timelineOf(group, process, firstMs, merged));
    }
    result.set(group, timelines);
  }
  return result;
}

function timelineOf(group: string, process: string, firstMs: number, changes: Change[]): MemberTimeline {
  changes.sort((left, right) => left.timeMs - right.timeMs);
  const timeline: MemberTimeline = {
    process, group, joinsMs: [], leavesMs: [], aliveAtEnd: true, firstSeenMs: firstMs,
    lastJoinMs: -Infinity, lastChangeMs: firstMs, lastChangeUnclean: false,
  };
  for (const change of changes) {
    if (change.kind === "join") {
      timeline.joinsMs.push(change.timeMs);
      timeline.aliveAtEnd = true;
      timeline.lastJoinMs = change.timeMs;
      timeline.lastChangeUnclean = false;
    } else {
      // A leave and a crash of the same departure (the workload may record both) are one
      // departure; it is unclean if either says so (the consumer could not unregister).
      if (!timeline.aliveAtEnd) {
        if (change.kind === "death") timeline.lastChangeUnclean = true;
        continue;
      }
      timeline.leavesMs.push(change.timeMs);
      timeline.aliveAtEnd = false;
      timeline.lastChangeUnclean = change.kind === "death";
    }
    timeline.lastChangeMs = Math.max(timeline.lastChangeMs, change.timeMs);
  }
  return timeline;
}

/** Is the member in its group at `atMs`: a join (or, with none recorded, its first event) no later than atMs and no leave or death since? */
export function memberAt(timeline: MemberTimeline | undefined, atMs: number): boolean {
  if (timeline === undefined) return false;
  const joins = timeline.joinsMs.length > 0 ? timeline.joinsMs : [timeline.firstSeenMs];
  const joinedMs = Math.max(-Infinity, ...joins.filter((timeMs) => timeMs <= atMs));
  const leftMs = Math.max(-Infinity, ...timeline.leavesMs.filter((timeMs) => timeMs <= atMs));
  return joinedMs > -Infinity && joinedMs >= leftMs;
}
