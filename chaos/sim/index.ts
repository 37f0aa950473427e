// chaos/sim: the deterministic simulator. It runs the real system code (NameServer, Broker,
// clients) on virtual time, over a seeded PRNG, an in-memory network and in-memory disks.
// One seed gives one history: world.traceHash() is the proof.
//
//   const world = createWorld({ seed: 42, network: { latencyMs: 0.25, jitterMs: 0.05 } });
//   const ns = world.addNode({ name: "namesrv-1", ip: "10.0.0.11" });
//   ns.start((env) => startNameServer(env, config));       // same entry as the real CLI
//   await withWorldTrapped(() => world.runFor(30_000));     // 30 s of virtual time
//   world.net.partition([["broker-a"], ["namesrv-1"]]); ...; world.net.heal();
//   world.node("broker-a").crash({ mode: "power" }); await world.settle(world.node("broker-a").restart());
//
// World:   createWorld(options) / new World(options); nowMs (virtual epoch ms), elapsedMs,
//          eventsProcessed, pendingEvents; addNode({ name, ip, disk? }) -> SimNode; node(name);
//          nodes(); runFor(ms); runUntil(epochMs | predicate, { timeoutMs }); runUntilIdle();
//          step(); settle(promise, { timeoutMs }) (throws on deadlock); after(ms, action) (a lab
//          action as an event); traceHash(); lastTrace(); mark(code, value);
//          failures; net: NetControl.
// NetControl: addRule({ from, to, port?, direction?, action: "drop" | "reject" }); removeRule;
//          rules(); partition(groups); partitionOneWay(from, to); isolate(name); heal(set?);
//          addFlowFault({ from, to, port?, direction?, delayMs, jitterMs, lossNumerator,
//          lossDenominator, retransmitMs }); removeFlowFault; clearFlowFaults();
//          addSegmentFilter(filter) (protocol-aware: drop/delay whole writes, e.g. only
//          heartbeat frames); removeSegmentFilter; setSegmentation(spec | null) (hostile TCP
//          chunking: splits, coalescing, writes leaving in pieces); resetConnections({ from, to,
//          port?, midFrame, asymmetricDelayMs? }) (a middlebox RST, maybe mid-frame, maybe
//          reaching one side first); stats(). Flow faults may carry resetMidFrame.
// SimNode: name, ip, env, disk (SimDisk: fill(), setCapacityBytes(), restoreCapacity(),
//          setSlowFactor(), capacityBytes, freeBytes, readFile(path), list(path)),
//          incarnation, alive, paused, hostUp, handle, failure; start(entry) -> Promise<handle>;
//          crash({ mode: "process" | "power" }); stop(); pause(); resume(); restart();
//          setClockSkewMs(ms); logs(); timerCount.
// Env.net: listen on the node's IP, 0.0.0.0 or 127.0.0.1; connect to an IP, a node name (as a
//          host name) or 127.0.0.1 (itself). Ephemeral ports 32768-60999, deterministic.
// Guard:   withWorldTrapped(fn) makes Date.now, new Date(), timers, Math.random,
//          performance.now and crypto randomness throw while fn runs.
// Streams: deriveRandom(seed, ...labels) -> SimRandom (xoroshiro128+, integer API).
export { createWorld, World } from "./world.ts";
export { SimNode, type NodeHandle } from "./node.ts";
export type { SegmentationSpec, SegmentFilter } from "./net_policy.ts";
export { segmentationHarsh, segmentationModerate } from "./net_policy.ts";
export { SimDisk } from "./disk.ts";
export { deriveRandom } from "./random.ts";
export { withWorldTrapped, WorldAccessError } from "./guard.ts";
export { printingSink, type SimLogLine } from "./log.ts";
export { EventCosts } from "./event_costs.ts";
