// One node of a container run: a container from the node image on the run's network at a fixed
// address, labelled mqlab.run, with an optional named volume for its store. Created through
// testcontainers' GenericContainer (static address and output attach through its hooks); the
// life-cycle faults then act on the same container: crash = SIGKILL, pause = cgroup freeze,
// restart = start the same container again — same address, same volume, same files.
// Output: every (re)start attaches before the process runs, so no line is lost or repeated;
// stdout lines go to the caller (history lines of workers), everything to <outDir>/<node>.log.
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import type Dockerode from "dockerode";
import { GenericContainer, PullPolicy } from "testcontainers";
import type { NodeRole } from "../types.ts";
import type { Engine } from "./engine.ts";
import { runLabel } from "./cleanup.ts";
import type { RunNetwork } from "./run_network.ts";

export interface NodeSpec {
  name: string;
  role: NodeRole;
  ip: string;
  /** Arguments of the image's entrypoint (node): ["--import", "tsx", "system/cli/...", ...]. */
  args: string[];
  env?: Record<string, string>;
  /** Files written into the container before it first starts (broker.conf). */
  files?: { path: string; content: string }[];
  /** Where the node's named volume is mounted (its store); no volume when absent. */
  volumePath?: string;
  /** A line the node prints once it serves; without it the node counts as ready at start. */
  readyLine?: RegExp;
  readyTimeoutMs?: number;
  /** A line that means the start failed (readiness fails at once, with the output). */
  failLine?: RegExp;
  /**
   * Give the process a stdin held open by this deployer's attach (workers run --watch-stdin):
   * if the deployer dies, stdin closes and the worker stops itself.
   */
  stdin?: boolean;
}

export interface NodeOutput {
  /** Each stdout line (without its newline). */
  stdoutLine(node: string, line: string): void;
}

class RunContainer extends GenericContainer {
  constructor(
    image: string,
    private readonly networkName: string,
    private readonly ip: string,
    private readonly openStdin: boolean,
    private readonly onCreated: (containerId: string) => Promise<void>,
  ) {
    super(image);
    // The image is built here (image.ts); no registry is reachable to pull one from.
    this.withNetworkMode(networkName).withPullPolicy(PullPolicy.neverPull());
  }

  protected override async beforeContainerCreated(): Promise<void> {
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [this.networkName]: { IPAMConfig: { IPv4Address: this.ip } } } };
    if (this.openStdin) Object.assign(this.createOpts, { OpenStdin: true, StdinOnce: true });
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    await this.onCreated(containerId);
  }
}

function splitLines(stream: Readable, onLine: (line: string) => void, onEnd: () => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  });
  stream.on("end", () => {
    if (pending !== "") onLine(pending);
    pending = "";
    onEnd();
  });
}

export class NodeContainer {
  private container: Dockerode.Container | undefined;
  private readonly log: WriteStream;
  private readonly recentLines: string[] = [];
  private lineWaiters: { pattern: RegExp; resolve: () => void }[] = [];
  private exitWaiters: (() => void)[] = [];
  private attached = false;
  alive = false;
  paused = false;

  constructor(
    private readonly engine: Engine,
    readonly spec: NodeSpec,
    private readonly output: NodeOutput,
    outDir: string,
  ) {
    this.log = createWriteStream(join(outDir, `${spec.name}.log`), { flags: "a" });
  }

  get id(): string {
    if (this.container === undefined) throw new Error(`${this.spec.name} has no container yet`);
    return this.container.id;
  }

  /** Creates the volume and the container, starts it, waits until it is ready. */
  async start(image: string, network: RunNetwork, runId: string): Promise<void> {
    const labels = { [runLabel]: runId, "mqlab.node": this.spec.name, "mqlab.role": this.spec.role };
    const generic = new RunContainer(image, network.name, this.spec.ip, this.spec.stdin === true, async (containerId) => {
      this.container = this.engine.docker.getContainer(containerId);
      await this.attach();
    })
      .withName(`mqlab-${runId}-${this.spec.name}`)
      .withLabels(labels)
      .withHostname(this.spec.name)
      .withCommand(this.spec.args)
      .withEnvironment(this.spec.env ?? {})
      .withAutoCleanup(false);
    if (this.spec.files?.length) {
      generic.withCopyContentToContainer(this.spec.files.map((file) => ({ content: file.content, target: file.path })));
    }
    if (this.spec.volumePath !== undefined) {
      const volumeName = `mqlab-${runId}-${this.spec.name}`;
      await this.engine.docker.createVolume({ Name: volumeName, Labels: labels });
      generic.withBindMounts([{ source: volumeName, target: this.spec.volumePath, mode: "rw" }]);
    }
    const readiness = this.readiness();
    await generic.start();
    this.alive = true;
    await readiness;
  }

  /** Attaches to the container's output before its process runs (docker start -a). */
  private async attach(): Promise<void> {
    const container = this.container;
    if (container === undefined || this.attached) return;
    const stdin = this.spec.stdin === true ? { stdin: true, hijack: true } : {};
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true, logs: false, ...stdin })) as unknown as Readable;
    this.attached = true;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.engine.docker.modem.demuxStream(stream, stdout, stderr);
    // The process has exited once both halves delivered their last line (not at the raw
    // stream's end: lines may still sit in the pass-throughs then).
    let open = 2;
    const halfDone = (): void => {
      if (--open > 0) return;
      this.attached = false;
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      for (const waiter of waiters) waiter();
    };
    splitLines(stdout, (line) => {
      this.noteLine(line, "");
      this.output.stdoutLine(this.spec.name, line);
    }, halfDone);
    splitLines(stderr, (line) => this.noteLine(line, "[stderr] "), halfDone);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      stdout.end();
      stderr.end();
    };
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
  }

  private noteLine(line: string, prefix: string): void {
    if (!this.log.writableEnded) this.log.write(`${prefix}${line}\n`);
    this.recentLines.push(line);
    if (this.recentLines.length > 40) this.recentLines.shift();
    const matched = this.lineWaiters.filter((waiter) => waiter.pattern.test(line));
    this.lineWaiters = this.lineWaiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve();
  }

  /** Resolves when the ready line appears; rejects when the process exits first or time runs out. */
  private readiness(): Promise<void> {
    const pattern = this.spec.readyLine;
    if (pattern === undefined) return Promise.resolve();
    const timeoutMs = this.spec.readyTimeoutMs ?? 60_000;
    return new Promise<void>((resolve, reject) => {
      const settle = (why: string | undefined): void => {
        clearTimeout(timer);
        this.exitWaiters = this.exitWaiters.filter((waiter) => waiter !== onExit);
        this.lineWaiters = this.lineWaiters.filter((waiter) => waiter !== readyWaiter && waiter !== failWaiter);
        if (why === undefined) resolve();
        else reject(new Error(`${this.spec.name} did not become ready (${why}); last output:\n${this.recentLines.slice(-15).join("\n")}`));
      };
      const timer = setTimeout(() => settle(`no line matching ${pattern} within ${timeoutMs} ms`), timeoutMs);
      const onExit = (): void => settle("its process exited");
      const readyWaiter = { pattern, resolve: () => settle(undefined) };
      const failWaiter = { pattern: this.spec.failLine ?? /(?!)/, resolve: () => settle("it reported a failure") };
      this.exitWaiters.push(onExit);
      this.lineWaiters.push(failWaiter, readyWaiter);
    });
  }

  /** Resolves at the next output line matching `pattern`; rejects after timeoutMs. */
  waitLine(pattern: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.lineWaiters = this.lineWaiters.filter((entry) => entry !== waiter);
        reject(new Error(`${this.spec.name}: no line matching ${pattern} within ${timeoutMs} ms`));
      }, Math.max(0, timeoutMs));
      const waiter = { pattern, resolve: () => { clearTimeout(timer); resolve(); } };
      this.lineWaiters.push(waiter);
    });
  }

  /** Sends a signal to the container's main process (workers: SIGUSR2 stops sending). */
  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive || this.container === undefined) return;
    await this.container.kill({ signal });
  }

  private waitExit(): Promise<void> {
    if (!this.attached) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** SIGKILL: the process dies at once; files written so far stay (the host's page cache). */
  async kill(): Promise<void> {
    if (!this.alive) return;
    if (this.paused) await this.resume();
    const exited = this.waitExit();
    await this.container?.kill({ signal: "SIGKILL" });
    await this.container?.wait();
    await exited;
    this.alive = false;
  }

  /** Starts the same container again: same address, same volume, same files. */
  async restart(): Promise<void> {
    if (this.alive) return;
    const container = this.container;
    if (container === undefined) throw new Error(`${this.spec.name} was never started`);
    await this.attach();
    const readiness = this.readiness();
    await container.start();
    this.alive = true;
    await readiness;
  }

  async pause(): Promise<void> {
    if (!this.alive || this.paused) return;
    await this.container?.pause();
    this.paused = true;
  }

  async resume(): Promise<void> {
    if (!this.paused) return;
    await this.container?.unpause();
    this.paused = false;
  }

  /** The container's init process as the engine's host sees it (for nsenter); 0 when stopped. */
  async hostPid(): Promise<number> {
    if (this.container === undefined) return 0;
    return (await this.container.inspect()).State.Pid;
  }

  /** SIGTERM, then SIGKILL after graceSeconds. */
  async stop(graceSeconds: number): Promise<void> {
    if (this.paused) await this.resume();
    if (!this.alive || this.container === undefined) return;
    const exited = this.waitExit();
    try {
      await this.container.stop({ t: graceSeconds });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 304) throw error;
    }
    await exited;
    this.alive = false;
  }

  closeLog(): Promise<void> {
    return new Promise((resolve) => this.log.end(resolve));
  }
}
