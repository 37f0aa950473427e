import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteEvent } from "../history/types.ts";
import type { RoutesEvidence } from "./routes.ts";
import { checkRoutes } from "./routes.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./testing/history_builder.ts";

const route = (timeMs: number, writable: string[], process = "producer-1"): RouteEvent =>
  ({ type: "route", timeMs, process, topic: "T", writableBrokers: writable, readableBrokers: writable });

test("after a crash (channel close) the route drops the broker within one poll; later fails naming client, broker and lateness", () => {
  const onTime = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 200_000, "crash", "broker-a")
    .raw(route(35_000, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  const passed = checkRoutes(onTime, testContext());
  assert.equal(passed.verdict, "pass", passed.summary);
  assert.equal((passed.evidence as RoutesEvidence).judged, 1);
  const late = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 200_000, "crash", "broker-a")
    .raw(route(60_000, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  const result = checkRoutes(late, testContext());
  assert.equal(result.verdict, "fail");
  const stale = (result.evidence as RoutesEvidence).stale.items[0];
  assert.deepEqual([stale?.client, stale?.broker, stale?.mechanism, stale?.boundMs, stale?.lateByMs], ["producer-1", "broker-a", "channel-close", 32_000, 18_000]);
});

test("silence (pause) gets the expiry-scan bound; a fault healed before the bound is not judged", () => {
  const paused = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 400_000, "pause", "broker-a")
    .raw(route(150_000, ["broker-b"])).send({ id: "m", at: 450_000 }).build();
  const result = checkRoutes(paused, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal((result.evidence as RoutesEvidence).bounds.find((bound) => bound.mechanism === "expiry-scan")?.boundMs, 120_000 + 10_000 + 30_000 + 2_000);
  const never = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 400_000, "pause", "broker-a").send({ id: "m", at: 450_000 }).build();
  assert.match(checkRoutes(never, testContext()).summary, /never dropped/);
  const short = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 20_000, "crash", "broker-a").send({ id: "m", at: 450_000 }).build();
  assert.equal((checkRoutes(short, testContext()).evidence as RoutesEvidence).judged, 0);
});

test("no route events: nothing to judge", () => {
  const result = checkRoutes(new HistoryBuilder().fault(0, 500_000, "crash", "broker-a").build(), testContext());
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /nothing to judge/);
});

test("the topic's only broker out: TOPIC_NOT_EXIST, the client keeps its last route (not judged); with another broker up it is", () => {
  const crashed = (topology: Parameters<typeof topologyFacts>[0]): ReturnType<typeof checkRoutes> => checkRoutes(
    new HistoryBuilder().raw(route(0, ["broker-a"])).fault(10_000, 200_000, "crash", "broker-a").send({ id: "m", at: 250_000 }).build(),
    testContext({ topology: topologyFacts(topology) }));
  const alone = crashed("1m");
  assert.equal(alone.verdict, "pass", alone.summary);
  assert.deepEqual([(alone.evidence as RoutesEvidence).judged, (alone.evidence as RoutesEvidence).lastRouteKept], [0, 1]);
  assert.match(alone.summary, /TOPIC_NOT_EXIST/);
  // broker-b still serves the topic: the NameServer has a route without broker-a to give.
  assert.match(crashed("2m-noslave").summary, /never dropped/);
  // So does broker-a's own slave (the route keeps broker-a with no master; publish info drops it).
  assert.equal(crashed("2m-2s-sync").verdict, "fail");
  // broker-b down too at the deadline: nothing else to give.
  const both = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 200_000, "crash", "broker-a")
    .fault(5_000, 200_000, "crash", "broker-b", 1).send({ id: "m", at: 250_000 }).build();
  assert.equal(checkRoutes(both, testContext({ topology: topologyFacts("2m-noslave") })).verdict, "pass");
});

test("a client paused while the master goes down gets one route poll from its resume (seed 2 swarm run 13)", () => {
  // producer-1 paused 10-19 s; broker-a crashes at 15 s; routePollMs 30 s: bound 32 s from the crash.
  const history = (droppedAtMs: number): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"]))
    .fault(100_000, 190_000, "pause", "producer-1").fault(150_000, 400_000, "crash", "broker-a", 1)
    .raw(route(droppedAtMs, ["broker-b"])).send({ id: "m", at: 450_000 }).build();
  const onResume = checkRoutes(history(190_000), testContext());
  assert.equal(onResume.verdict, "pass", onResume.summary);
  assert.equal((onResume.evidence as RoutesEvidence).onTime.items[0]?.boundMs, 190_000 + 32_000 - 150_000);
  const late = checkRoutes(history(230_000), testContext());
  assert.equal(late.verdict, "fail", late.summary);
  assert.equal((late.evidence as RoutesEvidence).stale.items[0]?.lateByMs, 230_000 - 222_000);
});

test("a master that goes out inside a cluster-cutting partition is excused; one that goes out as it heals, or inside another node's isolation, is judged", () => {
  // Battery seed 1 run 3198: a majorities ring cut broker-b (and every broker) off namesrv-1,
  // which expired them all and answered TOPIC_NOT_EXIST; the crash's close never reached it.
  const ring = { atMs: 4_000, healAtMs: 100_000, fault: { kind: "partition" as const, shape: "majorities-ring" as const } };
  const crash = (atMs: number) => ({ atMs, healAtMs: 200_000, fault: { kind: "crash" as const, target: "broker-a" } });
  const history = (crashMs: number, partitionFault: { atMs: number; healAtMs: number }, target: string) => new HistoryBuilder()
    .raw(route(0, ["broker-a", "broker-b"])).fault(partitionFault.atMs, partitionFault.healAtMs, "partition", target, 0)
    .fault(crashMs, 200_000, "crash", "broker-a", 1).send({ id: "m", at: 250_000 }).build();
  const inside = checkRoutes(history(8_000, ring, "majorities-ring"), testContext({ faults: [ring, crash(8_000)] }));
  assert.equal(inside.verdict, "pass", inside.summary);
  assert.deepEqual([(inside.evidence as RoutesEvidence).partitionExcused, (inside.evidence as RoutesEvidence).judged], [1, 0]);
  assert.match(inside.summary, /inside a partition/);
  // Crashed at the heal: the NameServers hear the close, so the one-poll bound holds.
  const atHeal = checkRoutes(history(100_000, ring, "majorities-ring"), testContext({ faults: [ring, crash(100_000)] }));
  assert.equal(atHeal.verdict, "fail", atHeal.summary);
  assert.equal((atHeal.evidence as RoutesEvidence).partitionExcused, 0);
  // Another node isolated: broker-a's links to the NameServers are whole (broker-a's slave
  // keeps the NameServers something to give, so it is judged).
  const isolateB = { atMs: 4_000, healAtMs: 100_000, fault: { kind: "partition" as const, shape: "isolate" as const, target: "broker-b" } };
  const otherIsolated = checkRoutes(history(8_000, isolateB, "broker-b"), testContext({ faults: [isolateB, crash(8_000)], topology: topologyFacts("2m-2s-async") }));
  assert.equal(otherIsolated.verdict, "fail", otherIsolated.summary);
  assert.deepEqual([(otherIsolated.evidence as RoutesEvidence).partitionExcused, (otherIsolated.evidence as RoutesEvidence).judged], [0, 1]);
  // The master itself isolated when it crashed: excused.
  const isolateA = { ...isolateB, fault: { ...isolateB.fault, target: "broker-a" } };
  const selfIsolated = checkRoutes(history(8_000, isolateA, "broker-a"), testContext({ faults: [isolateA, crash(8_000)] }));
  assert.equal((selfIsolated.evidence as RoutesEvidence).partitionExcused, 1);
});

test("a clean restart while a NameServer is unreachable: the unregister waits for the blocked registration round and the NameServers before it", () => {
  // Seed 2 swarm run 539: a firewall broker-a → namesrv-2 held the registration round in flight,
  // so broker-a's shutdown unregistered 3 s after it began (4.9.x waits up to 5 s, then 3 s per
  // NameServer in list order).
  const history = (namesrvCut: boolean): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder().node(0, "namesrv-1", "start").node(0, "namesrv-2", "start").raw(route(0, ["broker-a", "broker-b"]));
    if (namesrvCut) builder.fault(5_000, 100_000, "firewall", "broker-a->namesrv-2", 1);
    return builder.fault(10_000, 200_000, "clean-restart", "broker-a").raw(route(48_000, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  };
  // 32 s channel-close bound; 38 s after the stop is late without a NameServer cut.
  const calm = checkRoutes(history(false), testContext());
  assert.equal(calm.verdict, "fail", calm.summary);
  const cut = checkRoutes(history(true), testContext());
  assert.equal(cut.verdict, "pass", cut.summary);
  assert.equal((cut.evidence as RoutesEvidence).onTime.items[0]?.boundMs, 32_000 + 5_000 + 3_000);
});

test("every NameServer down while the bound runs: clients keep their last route until the NameServers are back and a broker has registered, then one poll", () => {
  // Seed 5 swarm run 1336's shape: a clean restart of broker-a at 10 s; every NameServer down
  // 20–60 s (routePollMs 30 s: the channel-close bound alone would end at 42 s).
  const history = (droppedMs: number): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"]))
    .fault(10_000, 200_000, "clean-restart", "broker-a").fault(20_000, 60_000, "namesrv-all-down", "namesrv-*", 1)
    .raw(route(droppedMs, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  // Back at 60 s, a registration round (30 s), one poll (30 s) and slack: 122 s at the latest.
  const outage = checkRoutes(history(115_000), testContext());
  assert.equal(outage.verdict, "pass", outage.summary);
  assert.equal((outage.evidence as RoutesEvidence).onTime.items[0]?.boundMs, 60_000 + 30_000 + 30_000 + 2_000 - 10_000);
  // Past that, the route is stale.
  assert.equal(checkRoutes(history(130_000), testContext()).verdict, "fail");
});

test("a crash while the broker's packets to the NameServers are dropped gets the silence bound: the close is dropped too", () => {
  // Seed 5 swarm run 1476's shape: broker→NameServer heartbeat loss on broker-a from 5 s, crash at 10 s.
  const history = (withLoss: boolean, droppedMs: number): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"]));
    if (withLoss) builder.fault(5_000, 100_000, "heartbeat-loss", "broker-a", 1);
    return builder.fault(10_000, 300_000, "crash", "broker-a").raw(route(droppedMs, ["broker-b"])).send({ id: "m", at: 350_000 }).build();
  };
  const silent = checkRoutes(history(true, 100_000), testContext());
  assert.equal(silent.verdict, "pass", silent.summary);
  assert.equal((silent.evidence as RoutesEvidence).onTime.items[0]?.mechanism, "expiry-scan");
  // Without the loss the close reaches the NameServer: 90 s is late.
  assert.equal(checkRoutes(history(false, 100_000), testContext()).verdict, "fail");
});

test("a NameServer out of the client's reach while the bound runs costs it one poll (a timeout) and the request timeout (seed 6 swarm run 1161)", () => {
  // broker-a crashes at 10 s (channel close: one poll, 30 s, plus slack: 42 s); namesrv-1 is
  // isolated from 12 s, and a poll sent to it times out: one more poll and 3 s, 75 s.
  const history = (droppedMs: number, cut: "isolate" | "skew" | "none" = "isolate"): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 200_000, "crash", "broker-a");
    if (cut === "isolate") builder.fault(12_000, 40_000, "partition", "namesrv-1", 1);
    if (cut === "skew") builder.fault(12_000, 40_000, "clock-skew", "namesrv-1", 1);
    return builder.raw(route(droppedMs, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  };
  const missedPoll = checkRoutes(history(70_000), testContext());
  assert.equal(missedPoll.verdict, "pass", missedPoll.summary);
  assert.equal((missedPoll.evidence as RoutesEvidence).onTime.items[0]?.boundMs, 30_000 + 2_000 + 30_000 + 3_000);
  assert.equal(checkRoutes(history(80_000), testContext()).verdict, "fail", "past one missed poll");
  // A clock skew on a NameServer cuts nothing; without a cut the plain bound holds.
  assert.equal(checkRoutes(history(70_000, "skew"), testContext()).verdict, "fail");
  assert.equal(checkRoutes(history(70_000, "none"), testContext()).verdict, "fail");
});

test("a bridge partition starting after the crash may cut the client from a NameServer: one missed poll too (battery seed 23 run 118)", () => {
  // The bridge names its bridge node (broker-b), yet its two sides may hold the client and a NameServer.
  const crash = { atMs: 10_000, healAtMs: 200_000, fault: { kind: "crash" as const, target: "broker-a" } };
  const history = (shape: "bridge" | "isolate") => {
    const partition = { atMs: 12_000, healAtMs: 40_000, fault: { kind: "partition" as const, shape, target: "broker-b" } };
    const events = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"])).fault(10_000, 200_000, "crash", "broker-a", 0)
      .fault(12_000, 40_000, "partition", "broker-b", 1).raw(route(70_000, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
    return checkRoutes(events, testContext({ faults: [crash, partition] }));
  };
  const bridge = history("bridge");
  assert.equal(bridge.verdict, "pass", bridge.summary);
  assert.equal((bridge.evidence as RoutesEvidence).onTime.items[0]?.boundMs, 30_000 + 2_000 + 30_000 + 3_000);
  // Isolating broker-b cuts no client from a NameServer: the plain bound holds.
  assert.equal(history("isolate").verdict, "fail");
});

test("a client that restarts forgets its route: its new incarnation names the master only if its own first route does (battery seed 34 run 699)", () => {
  // broker-a crashes at 10 s for 190 s; producer-1 crashes with it and restarts at 20 s; its new
  // incarnation records its first route only at 70 s (its start waited), past the bound from 20 s.
  const history = (firstRoute: string[]): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"]))
    .fault(10_000, 200_000, "crash", "broker-a").fault(10_000, 20_000, "crash", "producer-1", 1).node(20_000, "producer-1", "restart")
    .raw(route(70_000, firstRoute)).raw(route(80_000, ["broker-b"])).send({ id: "m", at: 250_000 }).build();
  const forgot = checkRoutes(history(["broker-b"]), testContext());
  assert.equal(forgot.verdict, "pass", forgot.summary);
  assert.equal((forgot.evidence as RoutesEvidence).onTime.items[0]?.droppedMs, 20_000);
  // The new incarnation's own first route named the dead master: judged from its routes.
  const relearned = checkRoutes(history(["broker-a", "broker-b"]), testContext());
  assert.equal(relearned.verdict, "fail", relearned.summary);
  assert.equal((relearned.evidence as RoutesEvidence).stale.items[0]?.droppedMs, 80_000);
  // Its first route came after the master was back: it never named it while it was out.
  const back = new HistoryBuilder().raw(route(0, ["broker-a", "broker-b"]))
    .fault(10_000, 60_000, "crash", "broker-a").fault(10_000, 20_000, "crash", "producer-1", 1).node(20_000, "producer-1", "restart")
    .raw(route(61_000, ["broker-a", "broker-b"])).send({ id: "m", at: 250_000 }).build();
  assert.equal(checkRoutes(back, testContext()).verdict, "pass");
});
