// Queue drops: when a consumer's rebalance snapshot let go of a queue its previous snapshot held
// (a snapshot per member, in time order, as RebalanceEvents record them). The calm wake (another
// member's delayed orderly unlock) and the duplicates check (a message in flight at the drop)
// both start from them.
import type { HistoryIndex } from "./history_index.ts";

export interface QueueDrop {
  group: string;
  process: string;
  queue: string;
  timeMs: number;
}

/** Every drop in the history, in time order. */
export function queueDropsOf(index: Pick<HistoryIndex, "rebalances">): QueueDrop[] {
  const drops: QueueDrop[] = [];
  const held = new Map<string, ReadonlySet<string>>();
  for (const event of index.rebalances) {
    const key = `${event.group}\u0000${event.process}`;
    const after = new Set(event.queues);
    for (const queue of held.get(key) ?? []) {
      if (!after.has(queue)) drops.push({ group: event.group, process: event.process, queue, timeMs: event.timeMs });
    }
    held.set(key, after);
  }
  return drops;
}
