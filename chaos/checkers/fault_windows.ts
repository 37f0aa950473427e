// Fault and rebalance windows that the newer checkers use to explain an anomaly (a duplicate, a
// moved key, a redelivery, a non-OK status). A fault window is when the fault acted: from its
// nemesis inject to its heal (the history's times; the schedule's when the history has no
// nemesis events), widened by `afterMs` for the recovery the caller's mechanism needs. A node
// event (crash, power-loss, pause) opens a window too, closed by the node's restart/resume.
// A rebalance window is a span in which a group's assignment changed: a member leaving or
// joining again, or a snapshot that moved a queue from one holder to another, ± settleMs.
// Windows are deliberately wide (they excuse, never accuse); each carries why it exists. A
// rogue-peer fault opens none: garbage on a server's port must not disturb anyone else.
import { excusesNothing, faultNodes } from "../faults/types.ts";
import { isRogueNode } from "../faults/rogue_peer.ts";
import type { CheckContext } from "./context.ts";
import type { HistoryIndex } from "./history_index.ts";

export interface Window {
  startMs: number;
  /** null: never ended. */
  endMs: number | null;
  /** e.g. "crash broker-a (fault 0)", "rebalance of G moving broker-a:1". */
  cause: string;
  /** Node names the window touches (empty: cluster-wide, e.g. a partition without a target). */
  nodes: string[];
  kind: string;
  /** Rebalance windows: when the snapshot moved the queue (startMs is this − settleMs). */
  atMs?: number;
}

export { faultNodes };

export function faultWindows(index: HistoryIndex, context: CheckContext): Window[] {
  const windows: Window[] = [];
  const injected = new Map<number, number>();
  const healed = new Map<number, number>();
  for (const event of index.nemesis) {
    if (event.phase === "inject" && !injected.has(event.faultIndex)) injected.set(event.faultIndex, event.timeMs);
    if (event.phase === "heal") healed.set(event.faultIndex, event.timeMs);
  }
  const fromHistory = index.nemesis.length > 0;
  context.faults.forEach((scheduled, faultIndex) => {
    if (excusesNothing(scheduled.fault.kind)) return;
    const startMs = fromHistory ? injected.get(faultIndex) : scheduled.atMs;
    if (startMs === undefined) return;
    const endMs = fromHistory ? healed.get(faultIndex) ?? null : scheduled.healAtMs ?? null;
    windows.push({ startMs, endMs, cause: `${scheduled.fault.kind} ${faultNodes(scheduled.fault).join("->") || "cluster"} (fault ${faultIndex})`, nodes: faultNodes(scheduled.fault), kind: scheduled.fault.kind });
  });
  // Nemesis events of faults the context does not list (hand-made histories, incidents).
  for (const event of index.nemesis) {
    if (event.phase !== "inject" || context.faults[event.faultIndex] !== undefined || excusesNothing(event.kind)) continue;
    windows.push({ startMs: event.timeMs, endMs: healed.get(event.faultIndex) ?? null, cause: `${event.kind} ${event.target} (fault ${event.faultIndex})`, nodes: event.target.split("->"), kind: event.kind });
  }
  const down = new Map<string, number>();
  for (const event of index.nodes) {
    if (isRogueNode(event.node)) continue;
    if (event.event === "crash" || event.event === "power-loss" || event.event === "pause" || event.event === "stop") {
      if (!down.has(event.node)) down.set(event.node, event.timeMs);
    } else if ((event.event === "restart" || event.event === "resume" || event.event === "start") && down.has(event.node)) {
      windows.push({ startMs: down.get(event.node) ?? event.timeMs, endMs: event.timeMs, cause: `${event.node} down`, nodes: [event.node], kind: "node" });
      down.delete(event.node);
    }
  }
  for (const [node, startMs] of down) windows.push({ startMs, endMs: null, cause: `${node} down`, nodes: [node], kind: "node" });
  return windows;
}

/**
 * Per group: spans in which its assignment was changing (membership changes, moved queues, and,
 * unless `retakes` is false, queues a member dropped and took back).
 */
export function rebalanceWindows(index: HistoryIndex, settleMs: number, options: { retakes?: boolean } = {}): Map<string, Window[]> {
  const byGroup = new Map<string, Window[]>();
  const add = (group: string, window: Window): void => {
    const list = byGroup.get(group) ?? [];
    list.push(window);
    byGroup.set(group, list);
  };
  // A first join moves queues only from other members, and their snapshots show the move; a
  // leave, or a process joining again (a restart), can lose its uncommitted offsets in place.
  const joined = new Set<string>();
  for (const event of index.memberships) {
    const key = `${event.group}\u0000${event.process}`;
    const rejoin = event.change === "join" && joined.has(key);
    if (event.change === "join") joined.add(key);
    if (event.change === "join" && !rejoin) continue;
    add(event.group, { startMs: event.timeMs, endMs: event.timeMs + settleMs, cause: `${event.process} ${rejoin ? "rejoins" : "leaves"} ${event.group}`, nodes: [event.process], kind: "membership" });
  }
  // A queue a process dropped and took back is a move too: 4.9.x drops the process queue and
  // commits its offset on the drop (held back by any message still in flight), and the take
  // reads from that commit. It happens without any fault: a consumer that learns a new broker
  // from the route asks it for the group's members before its heartbeat reached it, is not in
  // the list ("[BUG] ConsumerId not in cidAll"), allocates itself nothing, and gets its queues
  // back on the next rebalance.
  const holder = new Map<string, string>();
  const snapshots = new Map<string, readonly string[]>();
  const droppedBy = new Map<string, string>();
  for (const event of index.rebalances) {
    const snapshotKey = `${event.group}\u0000${event.process}\u0000${event.topic}`;
    const taken = new Set(event.queues);
    for (const queue of snapshots.get(snapshotKey) ?? []) {
      if (!taken.has(queue)) droppedBy.set(`${event.group}\u0000${event.topic}\u0000${queue}`, event.process);
    }
    snapshots.set(snapshotKey, event.queues);
    for (const queue of event.queues) {
      const queueKey = `${event.group}\u0000${queue}`;
      const droppedKey = `${event.group}\u0000${event.topic}\u0000${queue}`;
      const previous = holder.get(queueKey);
      const window = { startMs: event.timeMs - settleMs, endMs: event.timeMs + settleMs, kind: "rebalance", atMs: event.timeMs } as const;
      if (previous !== undefined && previous !== event.process) {
        add(event.group, { ...window, cause: `rebalance of ${event.group} moving ${queue} from ${previous} to ${event.process}`, nodes: [event.process, previous, queue] });
      } else if (options.retakes !== false && droppedBy.get(droppedKey) === event.process) {
        add(event.group, { ...window, cause: `rebalance of ${event.group}: ${event.process} dropped ${queue} and took it back`, nodes: [event.process, queue] });
      }
      droppedBy.delete(droppedKey);
      holder.set(queueKey, event.process);
    }
  }
  return byGroup;
}

/** The first window containing timeMs (and naming one of `nodes` exactly, when given and the window names nodes). */
export function windowAt(windows: readonly Window[], timeMs: number, afterMs = 0, nodes?: readonly string[]): Window | undefined {
  return windows.find((window) => {
    if (timeMs < window.startMs) return false;
    if (window.endMs !== null && timeMs > window.endMs + afterMs) return false;
    if (nodes === undefined || window.nodes.length === 0) return true;
    return window.nodes.some((node) => nodes.includes(node));
  });
}
