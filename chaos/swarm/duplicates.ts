// The bounded-duplicates swarm property: one consumer in its group and at most one crash of
// it, so every duplicate has exactly one explanation. RocketMQ is at-least-once, but a calm run
// (no fault) with one consumer never moves a queue and never re-reads: no message may be
// delivered twice. After a crash the restarted consumer resumes from the offset the broker
// holds, which the consumer committed with each pull and at least every offsetPersistMs: it
// may re-deliver what it consumed since, at most producers × rate × (offsetPersistMs + 1 s),
// plus half again and a few for slack. The crash comes after 10 s, so a consumer that restarts
// from the first offset re-delivers more than the bound allows. A broker that ignores offset commits (skipCommitOffset) or
// returns a pull twice (duplicatePullEveryNth) breaks this bound.
// Pins: one consumer; no consumer failures and no bursts (a burst can time sends out, and a
// retried send that was stored is a duplicate the producer caused, not the consumer).
import fc from "fast-check";
import { checkGroup } from "../check/arbitraries.ts";
import type { SwarmConfig } from "./config.ts";
import { roleOf, swarmNodes, type FaultDraw } from "./faults.ts";
import type { TopologyName } from "../scenario.ts";

export const duplicatesConsumer = `consumer-${checkGroup}-1`;

/** No fault, or one crash (restart) of the only consumer. */
export function consumerCrashDraws(topology: TopologyName): fc.Arbitrary<FaultDraw[]> {
  const nodes = swarmNodes(topology);
  const crash = fc.record({ atS: fc.integer({ min: 10, max: 22 }), downS: fc.integer({ min: 1, max: 5 }) })
    .map(({ atS, downS }): FaultDraw[] => [{
      kind: "crash", role: roleOf(nodes, duplicatesConsumer),
      faults: [{ atMs: atS * 1_000, healAtMs: (atS + downS) * 1_000, fault: { kind: "crash", target: duplicatesConsumer } }],
    }]);
  return fc.oneof(fc.constant<FaultDraw[]>([]), crash);
}

// Also no slow consumption (a consume timeout re-delivers a message that is still being consumed),
// no short pullMaxIdle (an expired queue is re-read from its committed offset) and no page-cache
// stall or not-store-OK retry (a send the broker stored but answered late or not SEND_OK is retried).
export const duplicatesPins = {
  consumers: 1, failurePercent: 0, burst: false, slowConsume: "none", pullMaxIdle: "default", pageCacheStall: "none",
  retryAnotherBrokerWhenNotStoreOK: false,
} as const;

/** The most distinct duplicated messages a healthy broker may show for these draws. */
export function maxDuplicatedFor(config: SwarmConfig, draws: readonly FaultDraw[]): number {
  if (draws.length === 0) return 0;
  const perSecond = config.producers * config.ratePerSecond;
  return Math.ceil(perSecond * (config.offsetPersistMs / 1_000 + 1) * 1.5) + 8;
}
