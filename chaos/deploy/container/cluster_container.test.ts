// ClusterContainer without an engine: a stand-in container that only remembers what was done to
// it. A consumer worker killed by a crash fault gets a "leave" in the history after the kill and
// before the crash record, as under the process deployer; a producer, a server, an already dead
// consumer and a graceful stop get none from the deployer. Stopping producers stands: a producer
// container down or frozen then is told when a heal runs it again, and a quick answer is heard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryHistory } from "../../history/types.ts";
import { AddressPlan } from "../address_plan.ts";
import type { NodeRole } from "../types.ts";
import { LifecycleFaults } from "../wall_cluster/lifecycle_faults.ts";
import { NodeLedger } from "../wall_cluster/node_ledger.ts";
import { RunClock } from "../wall_cluster/run_clock.ts";
import { ClusterContainer, type ContainerHandle } from "./cluster_container.ts";
import { ContainerPacketFilter } from "./packet_filter.ts";
import { formatControlLine } from "../worker_protocol.ts";

class StandInContainer implements ContainerHandle {
  alive = true;
  paused = false;
  readonly spec: ContainerHandle["spec"];
  private lineWaiters: { pattern: RegExp; resolve: () => void }[] = [];

  constructor(name: string, role: NodeRole, private readonly log: string[]) {
    this.spec = { name, role, ip: "10.9.3.1", args: [] };
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    this.log.push(`kill ${this.spec.name}`);
    this.alive = false;
  }

  async restart(): Promise<void> {
    this.alive = true;
  }

  async pause(): Promise<void> {
    this.paused = true;
  }

  async resume(): Promise<void> {
    this.paused = false;
  }

  /** A worker answers SIGUSR2 at once, before the engine's call returns (the quickest answer). */
  async signal(signal: NodeJS.Signals): Promise<void> {
    this.log.push(`${signal} ${this.spec.name}`);
    if (signal === "SIGUSR2" && this.alive && !this.paused) this.emit(formatControlLine({ event: "producers-stopped" }).trimEnd());
  }

  waitLine(pattern: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms`)), timeoutMs);
      this.lineWaiters.push({ pattern, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  private emit(line: string): void {
    const matched = this.lineWaiters.filter((waiter) => waiter.pattern.test(line));
    this.lineWaiters = this.lineWaiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve();
  }

  async stop(): Promise<void> {
    this.log.push(`stop ${this.spec.name}`);
    this.alive = false;
  }

  async hostPid(): Promise<number> {
    return 0;
  }
}

function world(): { history: MemoryHistory; ledger: NodeLedger; log: string[]; node: (name: string, role: NodeRole, group?: string) => ClusterContainer<StandInContainer> } {
  const history = new MemoryHistory();
  const ledger = new NodeLedger(history, new RunClock());
  const log: string[] = [];
  const addresses = new AddressPlan(["namesrv-1"], ["broker-a"]);
  const filter = new ContainerPacketFilter(() => []);
  const node = (name: string, role: NodeRole, group?: string): ClusterContainer<StandInContainer> =>
    new ClusterContainer(new StandInContainer(name, role, log), addresses, filter, group === undefined ? undefined : { group, ledger });
  return { history, ledger, log, node };
}

function lines(history: MemoryHistory): string[] {
  return history.events.flatMap((event) => {
    if (event.type === "membership") return [`${event.change} ${event.process} ${event.group}`];
    if (event.type === "node") return [`${event.event} ${event.node}`];
    return [];
  });
}

test("a crash fault on a consumer container records its leave, then the crash", async () => {
  // Arrange
  const { history, ledger, log, node } = world();
  const consumer = node("consumer-g-1", "consumer", "g");
  const faults = new LifecycleFaults(() => consumer, [], ledger);
  // Act
  await faults.crash("consumer-g-1");
  // Assert
  assert.deepEqual(log, ["kill consumer-g-1"]);
  assert.deepEqual(lines(history), ["leave consumer-g-1 g", "crash consumer-g-1"]);
  const leave = history.events[0];
  assert.ok(leave?.type === "membership" && leave.timeMs >= 0);
});

test("no leave for a producer, a server, a consumer already dead, or a graceful stop", async () => {
  // Arrange
  const { history, log, node } = world();
  const consumer = node("consumer-g-1", "consumer", "g");
  // Act
  await node("producer-1", "producer").crash();
  await node("broker-a", "broker").crash();
  await consumer.crash();
  await consumer.crash();
  await node("consumer-g-2", "consumer", "g").stop();
  // Assert
  assert.deepEqual(log, ["kill producer-1", "kill broker-a", "kill consumer-g-1", "stop consumer-g-2"]);
  assert.deepEqual(lines(history), ["leave consumer-g-1 g"], "one leave: the kill that ended the running consumer");
});

test("a restarted consumer that is killed again leaves again", async () => {
  const { history, node } = world();
  const consumer = node("consumer-g-1", "consumer", "g");
  await consumer.crash();
  assert.equal(await consumer.restart(), true);
  assert.equal(consumer.starts, 2);
  await consumer.crash();
  assert.deepEqual(lines(history), ["leave consumer-g-1 g", "leave consumer-g-1 g"]);
});

test("stopping producers stands: a producer down or frozen then is told when a heal runs it again, once per start", async () => {
  // Arrange: one producer running, one crashed, one frozen.
  const { log, node } = world();
  const running = node("producer-1", "producer");
  const crashed = node("producer-2", "producer");
  const frozen = node("producer-3", "producer");
  await crashed.crash();
  await frozen.pause();
  log.length = 0;
  // Act: the run stops producing (a quick answer must not cost the whole timeout).
  const startedMs = performance.now();
  await Promise.all([running, crashed, frozen].map((producer) => producer.stopProducing(5_000)));
  // Assert: only the running one was signalled, and its answer was heard at once.
  assert.deepEqual(log, ["SIGUSR2 producer-1"]);
  assert.ok(performance.now() - startedMs < 1_000, "the answer came before the wait began, and was heard");
  // Act: the heals after the send phase, then a pause and resume of a told producer.
  assert.equal(await crashed.restart(), true);
  await frozen.resume();
  await running.pause();
  await running.resume();
  // Assert: each was told once in its current start; the told one not again.
  assert.deepEqual(log, ["SIGUSR2 producer-1", "SIGUSR2 producer-2", "SIGUSR2 producer-3"]);
  await crashed.crash();
  await crashed.restart();
  assert.deepEqual(log.slice(3), ["kill producer-2", "SIGUSR2 producer-2"], "a new start is told again");
});

test("no stop order, no signal: restarts and resumes before producers stop send nothing", async () => {
  const { log, node } = world();
  const producer = node("producer-1", "producer");
  await producer.pause();
  await producer.resume();
  await producer.crash();
  await producer.restart();
  assert.deepEqual(log, ["kill producer-1"]);
});
