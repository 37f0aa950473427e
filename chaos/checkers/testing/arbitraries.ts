// Test support: fast-check arbitraries for CLEAN histories (every checker must pass them) and
// single-defect injectors (each must make the right checker fail). A clean history respects
// the invariants the checkers assume of a correct system: offsets per queue in store order,
// each queue delivered in offset order by its one owner, every acked message delivered once
// per group soon after its ack, order keys on the selector's queue, retries after their delay
// level, a balanced static assignment.
import fc from "fast-check";
import type { DeliverEvent, HistoryEvent } from "../../history/types.ts";
import type { CheckContext } from "../context.ts";
import { selectedQueue } from "../sharding.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./history_builder.ts";

export interface CleanCase {
  history: HistoryEvent[];
  context: CheckContext;
}

interface Shape {
  brokers: 1 | 2;
  queuesPerBroker: number;
  groups: { consumers: number; retries: boolean }[];
  ordered: boolean;
  keys: number;
  sends: { outcome: "ok" | "fail" | "unknown"; storedIfUnknown: boolean; delayMs: number; gapMs: number }[];
  rotation: number;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  brokers: fc.constantFrom<1 | 2>(1, 2),
  queuesPerBroker: fc.integer({ min: 1, max: 4 }),
  groups: fc.array(fc.record({ consumers: fc.integer({ min: 1, max: 5 }), retries: fc.boolean() }), { minLength: 1, maxLength: 2 }),
  ordered: fc.boolean(),
  keys: fc.integer({ min: 1, max: 4 }),
  sends: fc.array(fc.record({
    outcome: fc.constantFrom<"ok" | "fail" | "unknown">("ok", "ok", "ok", "ok", "ok", "ok", "fail", "unknown"),
    storedIfUnknown: fc.boolean(),
    delayMs: fc.integer({ min: 1, max: 50 }),
    gapMs: fc.integer({ min: 1, max: 30 }),
  }), { minLength: 0, maxLength: 60 }),
  rotation: fc.nat(16),
});

export const cleanCaseArb: fc.Arbitrary<CleanCase> = shapeArb.map(buildCase);

function buildCase(shape: Shape): CleanCase {
  const brokers = shape.brokers === 1 ? ["broker-a"] : ["broker-a", "broker-b"];
  const queues = brokers.flatMap((broker) => Array.from({ length: shape.queuesPerBroker }, (_, id) => `${broker}:${id}`));
  const builder = new HistoryBuilder();
  const groupNames = shape.groups.map((_, index) => `G${index}`);
  // Everyone joins at 0 and takes an AVG share (contiguous blocks, the first ones one larger).
  const owner = new Map<string, string>();
  shape.groups.forEach((group, groupIndex) => {
    const name = groupNames[groupIndex] ?? "G";
    for (let consumer = 0; consumer < group.consumers; consumer++) {
      const process = `consumer-${name}-${consumer + 1}`;
      const share = avgShare(queues, group.consumers, consumer);
      builder.join(0, process, name).rebalance(1, process, share, name);
      for (const queue of share) owner.set(`${name}/${queue}`, process);
    }
  });
  const offsets = new Map<string, number>();
  const stored: { id: string; queue: string; offset: number; storeMs: number; delayMs: number }[] = [];
  let timeMs = 10;
  shape.sends.forEach((send, index) => {
    timeMs += send.gapMs;
    const key = `k${index % shape.keys}`;
    // Ordered sends go where the workload's selector puts the key (sharding.ts).
    const queue = shape.ordered ? selectedQueue(key, brokers, shape.queuesPerBroker) ?? "" : queues[(index + shape.rotation) % queues.length] ?? "";
    const id = `m-${index}`;
    const keyed = shape.ordered ? { key, seq: Math.floor(index / shape.keys) } : {};
    const isStored = send.outcome === "ok" || (send.outcome === "unknown" && send.storedIfUnknown);
    const offset = offsets.get(queue) ?? 0;
    if (isStored) offsets.set(queue, offset + 1);
    builder.send({ id, at: timeMs, outcome: send.outcome, outcomeAt: timeMs + 2, queue, offset, ...keyed });
    if (isStored) stored.push({ id, queue, offset, storeMs: timeMs + 1, delayMs: send.delayMs });
  });
  shape.groups.forEach((group, groupIndex) => {
    const name = groupNames[groupIndex] ?? "G";
    const lastOnQueue = new Map<string, number>();
    for (const message of stored) {
      const process = owner.get(`${name}/${message.queue}`) ?? "";
      const at = Math.max(message.storeMs + message.delayMs, (lastOnQueue.get(message.queue) ?? 0) + 1);
      lastOnQueue.set(message.queue, at);
      // Concurrent groups sometimes answer "retry": the success comes later, reconsumeTimes 1,
      // after delay level 3 (10 s) as the broker's retry path gives it.
      if (group.retries && !shape.ordered && message.offset % 3 === 1) {
        builder.deliver({ id: message.id, at, group: name, process, queue: message.queue, offset: message.offset, result: "retry" });
        builder.deliver({ id: message.id, at: at + 10_000 + message.delayMs, group: name, process, queue: message.queue, offset: message.offset, reconsume: 1 });
      } else {
        builder.deliver({ id: message.id, at, group: name, process, queue: message.queue, offset: message.offset });
      }
    }
  });
  const context = testContext({
    topology: topologyFacts(shape.brokers === 1 ? "1m" : "2m-noslave"),
    queues: shape.queuesPerBroker,
    groups: shape.groups.map((group, index) => ({ group: groupNames[index] ?? "G", topic: "T", count: group.consumers, orderly: shape.ordered })),
    options: { maxDuplicated: 0 },
  });
  return { history: builder.build(), context };
}

function avgShare(queues: readonly string[], consumers: number, index: number): string[] {
  const base = Math.floor(queues.length / consumers);
  const extra = queues.length % consumers;
  const start = index * base + Math.min(index, extra);
  return queues.slice(start, start + base + (index < extra ? 1 : 0));
}

const isFirstSuccess = (event: HistoryEvent): event is DeliverEvent =>
  event.type === "deliver" && event.result === "success";

/** Drops every delivery of one delivered, acked message to one group. */
export function dropDelivery(history: readonly HistoryEvent[], pick: number): { history: HistoryEvent[]; id: string } | null {
  const acked = new Set(history.flatMap((event) => event.type === "ok" ? [event.messageId] : []));
  const deliveries = history.filter(isFirstSuccess).filter((event) => acked.has(event.messageId));
  const victim = deliveries[pick % Math.max(1, deliveries.length)];
  if (victim === undefined) return null;
  const kept = history.filter((event) => !(event.type === "deliver" && event.messageId === victim.messageId && event.group === victim.group));
  return { history: kept, id: victim.messageId };
}

/** Delivers one message a second time, at the end. */
export function duplicateDelivery(history: readonly HistoryEvent[], pick: number): { history: HistoryEvent[]; id: string } | null {
  const deliveries = history.filter(isFirstSuccess);
  const victim = deliveries[pick % Math.max(1, deliveries.length)];
  if (victim === undefined) return null;
  const endMs = history[history.length - 1]?.timeMs ?? 0;
  return { history: [...history, { ...victim, timeMs: endMs + 1 }], id: victim.messageId };
}

/** Swaps two consecutive first deliveries of one (group, queue, process): a reorder. */
export function swapDeliveries(history: readonly HistoryEvent[], pick: number): { history: HistoryEvent[]; queue: string } | null {
  const lanes = new Map<string, number[]>();
  history.forEach((event, position) => {
    if (event.type !== "deliver" || event.reconsumeTimes !== 0) return;
    const lane = `${event.group}/${event.queue}/${event.process}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), position]);
  });
  const candidates = [...lanes.values()].filter((positions) => positions.length >= 2);
  const lane = candidates[pick % Math.max(1, candidates.length)];
  if (lane === undefined) return null;
  const start = pick % (lane.length - 1);
  const [left, right] = [lane[start] ?? 0, lane[start + 1] ?? 0];
  const copy = [...history];
  const first = copy[left] as DeliverEvent;
  const second = copy[right] as DeliverEvent;
  copy[left] = { ...second, timeMs: first.timeMs };
  copy[right] = { ...first, timeMs: second.timeMs };
  return { history: copy, queue: first.queue };
}
