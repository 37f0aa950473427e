// A simulated machine and the processes that run on it.
//
// The machine (SimNode) owns what outlives a process: its name and IP, its disk, its log
// ring. Each start() begins a new incarnation: a fresh Env (clock, timers, PRNG stream,
// net, disk view, log) over the same disk, running the entry function, the same code the
// real CLIs run with the real Env. Every callback into node code goes through the
// incarnation's thread (post): after a crash nothing of the old incarnation runs again
// (its timers, connections and listeners die at once; its pending promises are abandoned,
// never settled); while paused, callbacks queue up and run in order on resume.
// Crashes and pauses are applied between events, when no microtask of the node is pending.
import type { Env, Net } from "../../system/env/index.ts";
import { ProbeCounter } from "../../system/env/index.ts";
import { assert } from "../../system/stdx/index.ts";
import type { NodeThread, SimCore } from "./core.ts";
import type { SimDisk } from "./disk.ts";
import { SimDiskView } from "./disk_view.ts";
import { type LogLevel, LogRing, SimLog, type SimLogLine, type SimLogSink } from "./log.ts";
import type { NetHost, SimNet } from "./net.ts";
import { SimClock, SimTimers } from "./node_timers.ts";
import { deriveRandom } from "./random.ts";
import { TraceKind } from "./trace.ts";

/** What an entry function returns: the running service, stoppable gracefully. */
export interface NodeHandle {
  stop(): Promise<void>;
}

/** Starts a node's program on an Env (NameServer, Broker, a client...). */
export type NodeEntry<H extends NodeHandle = NodeHandle> = (env: Env) => Promise<H>;

export type CrashMode = "process" | "power";

export interface NodeRuntime {
  readonly core: SimCore;
  readonly net: SimNet;
  readonly logLevel: LogLevel;
  readonly logSink: SimLogSink | undefined;
}

class Incarnation implements NodeThread {
  dead = false;
  constructor(
    private readonly node: SimNode,
    readonly incarnation: number,
  ) {}
  get nodeIndex(): number {
    return this.node.nodeIndex;
  }
  get nodeName(): string {
    return this.node.name;
  }
  alive(): boolean {
    return !this.dead;
  }
  post(fn: () => void): void {
    this.node.runOnThread(this, fn);
  }
}

export class SimNode implements NetHost {
  incarnation = 0;
  hostUp = true;
  paused = false;
  /** Added to this node's wall clock (clock skew fault); monotonic time is unaffected. */
  clockSkewMs = 0;
  /** The current (or last) incarnation's Env; undefined before the first start. */
  env: Env | undefined;
  /** What the entry function resolved to, while the incarnation lives. */
  handle: NodeHandle | undefined;
  /** Why the last incarnation failed (entry rejected or a callback threw), if it did. */
  failure: unknown;
  /** Code probes hit by every incarnation of this machine (system/env/probe.ts). */
  readonly probes = new ProbeCounter();
  private entry: NodeEntry | undefined;
  private thread: Incarnation | undefined;
  private timers: SimTimers | undefined;
  private deferred: (() => void)[] = [];
  private readonly logRing: LogRing;

  constructor(
    private readonly runtime: NodeRuntime,
    readonly nodeIndex: number,
    readonly name: string,
    readonly ip: string,
    readonly disk: SimDisk,
    logRingLines: number,
  ) {
    this.logRing = new LogRing(logRingLines);
  }

  /** A process is running (paused counts as running). */
  get alive(): boolean {
    return this.thread !== undefined && !this.thread.dead;
  }

  /** Starts a new incarnation running entry; resolves with its handle (in the run loop). */
  start<H extends NodeHandle>(entry: NodeEntry<H>): Promise<H> {
    assert(!this.alive, `${this.name} is already running`);
    const core = this.runtime.core;
    this.entry = entry;
    this.incarnation++;
    const thread = new Incarnation(this, this.incarnation);
    this.thread = thread;
    this.paused = false;
    this.handle = undefined;
    this.failure = undefined;
    this.env = this.createEnv(thread);
    const env = this.env;
    const wasDown = !this.hostUp;
    this.hostUp = true;
    core.trace(TraceKind.nodeStart, this.nodeIndex, this.incarnation, 0);
    if (wasDown) this.runtime.net.reevaluate();
    const started = new Promise<H>((resolve, reject) => {
      core.at(core.nowUs, () =>
        thread.post(() => {
          entry(env).then(
            (handle) => {
              if (thread.dead) return;
              this.handle = handle;
              resolve(handle);
            },
            (error: unknown) => {
              reject(error instanceof Error ? error : new Error(String(error)));
              this.fail(thread, error);
            },
          );
        }),
      );
    });
    // The caller may ignore a failed start; the failure is recorded on the node anyway.
    started.catch(() => {});
    return started;
  }

  /** Starts again from the same disk with the last entry (a new incarnation). */
  restart<H extends NodeHandle = NodeHandle>(): Promise<H> {
    assert(this.entry !== undefined, `${this.name} was never started`);
    return this.start(this.entry as NodeEntry<H>);
  }

  /** process: the OS lives (page cache kept, peers get RST). power: the machine dies. */
  crash(options: { mode?: CrashMode } = {}): void {
    const mode = options.mode ?? "process";
    assert(this.alive, `${this.name} is not running`);
    this.kill(mode === "power" ? 2 : 1);
    if (mode === "power") {
      this.hostUp = false;
      this.disk.powerLoss();
    }
  }

  /** Graceful stop: the handle's stop(), then the process exits. Settles in the run loop. */
  async stop(): Promise<void> {
    assert(this.alive, `${this.name} is not running`);
    const thread = this.thread!;
    if (this.handle !== undefined) await this.handle.stop();
    if (thread.dead) return;
    this.runtime.core.trace(TraceKind.nodeStop, this.nodeIndex, this.incarnation, 0);
    this.kill(0);
  }

  /** SIGSTOP: nothing of the node runs; timers and incoming data wait for resume(). */
  pause(): void {
    assert(this.alive && !this.paused, `${this.name} must be running and not paused`);
    this.paused = true;
    this.runtime.core.trace(TraceKind.nodePause, this.nodeIndex, this.incarnation, 0);
  }

  /** SIGCONT: everything that queued up runs, in arrival order. */
  resume(): void {
    assert(this.alive && this.paused, `${this.name} is not paused`);
    const core = this.runtime.core;
    this.paused = false;
    core.trace(TraceKind.nodeResume, this.nodeIndex, this.incarnation, this.deferred.length);
    const thread = this.thread!;
    const queued = this.deferred;
    this.deferred = [];
    for (const fn of queued) core.at(core.nowUs, () => this.runOnThread(thread, fn));
  }

  setClockSkewMs(skewMs: number): void {
    assert(Number.isSafeInteger(skewMs), "clock skew must be whole milliseconds");
    this.clockSkewMs = skewMs;
    this.runtime.core.trace(TraceKind.fault, this.nodeIndex, 1, skewMs);
  }

  /** The machine's recent log lines, oldest first (all incarnations). */
  logs(): SimLogLine[] {
    return this.logRing.all();
  }

  /** Live timers of the current incarnation (for tests and leak checks). */
  get timerCount(): number {
    return this.alive ? (this.timers?.liveCount ?? 0) : 0;
  }

  runOnThread(thread: Incarnation, fn: () => void): void {
    if (thread.dead) return;
    if (this.paused) {
      this.deferred.push(fn);
      return;
    }
    try {
      fn();
    } catch (error) {
      this.fail(thread, error);
    }
  }

  private fail(thread: Incarnation, error: unknown): void {
    if (thread.dead) return;
    this.failure = error;
    this.runtime.core.trace(TraceKind.nodeFailed, this.nodeIndex, thread.incarnation, 0);
    this.env?.log.error("node failed", { error: String(error) });
    this.runtime.core.nodeError(this.name, error);
  }

  /** 0: clean exit, 1: process crash, 2: power loss. */
  private kill(how: 0 | 1 | 2): void {
    const thread = this.thread!;
    thread.dead = true;
    this.timers?.killAll();
    this.deferred = [];
    this.paused = false;
    this.handle = undefined;
    this.runtime.net.processDown(this.nodeIndex, how === 2 ? "power" : "process");
    this.runtime.core.trace(TraceKind.nodeCrash, this.nodeIndex, thread.incarnation, how);
  }

  private createEnv(thread: Incarnation): Env {
    const core = this.runtime.core;
    const clock = new SimClock(core, () => this.clockSkewMs);
    this.timers = new SimTimers(core, thread);
    const net = this.runtime.net;
    const netView: Net = {
      listen: (host, port, onConnection) => net.listen(thread, host, port, onConnection),
      connect: (host, port, options) => net.connect(thread, host, port, options.timeoutMs),
    };
    const log = new SimLog(
      {
        node: this.name,
        incarnation: thread.incarnation,
        minLevel: this.runtime.logLevel,
        ring: this.logRing,
        sink: this.runtime.logSink,
        nowMs: () => clock.nowMs(),
        virtualMs: () => core.nowUs / 1000,
        alive: () => thread.alive(),
      },
      {},
    );
    return {
      nodeName: this.name,
      clock,
      timers: this.timers,
      random: deriveRandom(core.seed, "node", this.name, String(thread.incarnation)),
      net: netView,
      disk: new SimDiskView(this.disk, thread),
      log,
      probes: this.probes,
    };
  }
}
