// A workload worker as a supervised OS process (process and external deployers): its spec goes
// to a file in the run directory, its stdout is read line by line — history lines into the
// run's recorder (through the WorkerHistoryBridge), control lines wake whoever waits for them,
// the rest into its log. It is a ClusterNode: crash is SIGKILL (a consumer's leave is recorded
// for it), restart runs it again and waits for "ready", pause/resume are SIGSTOP/SIGCONT.
// Commands go to its stdin (worker_commands.ts): the acl-secret fault swaps its signing secret.
// Stopping producers is a standing order: a worker down or paused when the run stops producing
// is told when it runs again (a heal restarting or resuming it after the send phase), else it
// would send through the drain with nobody to stop it (what the sim deployer's
// producersStopped does for its nodes).
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { DeployedNode } from "../types.ts";
import { parseWorkerLine, type WorkerControl, type WorkerHistoryBridge, type WorkerLine, type WorkerSpec } from "../worker_protocol.ts";
import { formatWorkerCommand } from "../worker_commands.ts";
import type { ClusterNode } from "./cluster_nodes.ts";
import type { NodeLedger } from "./node_ledger.ts";
import { NodeProcess, type NodeCommand } from "./node_process.ts";

type ControlEvent = WorkerControl["event"];

/** What became of an acl-secret command (the deployer notes everything but "applied"). */
export type AclSecretOutcome = "applied" | "unsupported" | "not-running" | "queued-while-paused";

/**
 * What every deployer does with a worker's line: history into the bridge (op ids of this
 * incarnation), a failure into a note. Returns the line for the caller's own waiters and log.
 */
export function routeWorkerLine(line: string, incarnation: string, node: string, bridge: WorkerHistoryBridge, ledger: NodeLedger): WorkerLine {
  let parsed: WorkerLine;
  try {
    parsed = parseWorkerLine(line);
  } catch (error) {
    parsed = { kind: "log", line: `unparsable worker line (${(error as Error).message}): ${line}` };
  }
  if (parsed.kind === "history") bridge.accept(incarnation, parsed.event);
  if (parsed.kind === "control" && parsed.control.event === "failed") ledger.note(node, `worker failed: ${parsed.control.error.split("\n")[0]}`);
  return parsed;
}

/** How long stopping producers may take: three send timeouts (retries) and some slack. */
export function producerStopTimeoutMs(sendTimeoutMs: number): number {
  return sendTimeoutMs * 3 + 5_000;
}

/** This process's environment for a child node, without node:test's variables, plus `extra`. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("NODE_TEST")) env[key] = value;
  return { ...env, ...extra };
}

export interface WorkerTimeouts {
  readyTimeoutMs: number;
  /** Graceful stop at teardown: SIGTERM, SIGKILL after this. */
  stopTimeoutMs: number;
}

export class WorkerProcess implements ClusterNode {
  readonly process: NodeProcess;
  private readonly waiters: { event: ControlEvent; resolve: () => void }[] = [];
  private failure: string | undefined;
  /** The last acl-secret answer's `applied` (read when its waiter wakes). */
  private aclSecretApplied = false;
  private aclSecretTurn: Promise<unknown> = Promise.resolve();
  /** acl-secret lines written while paused whose answers are still to come. */
  private aclSecretUnawaited = 0;
  private outputDone: Promise<void> = Promise.resolve();
  private readonly logFile: string;
  /** Set by stopProducing (its timeout): every later incarnation or resume is told too. */
  private stopOrderTimeoutMs: number | undefined;
  /** The process start (NodeProcess.starts) that was last told to stop producing; 0: none. */
  private stopToldStart = 0;

  constructor(
    readonly spec: WorkerSpec,
    command: Omit<NodeCommand, "pipe">,
    specPath: string,
    private readonly bridge: WorkerHistoryBridge,
    private readonly ledger: NodeLedger,
    private readonly timeouts: WorkerTimeouts,
  ) {
    this.logFile = command.logPath;
    writeFileSync(specPath, JSON.stringify(spec, null, 2) + "\n");
    this.process = new NodeProcess(spec.node, { ...command, pipe: true });
    this.process.onExit((info, expected) => {
      for (const waiter of this.waiters.splice(0)) waiter.resolve();
      if (!expected) this.ledger.note(this.name, `worker exited on its own (code ${info.code}, signal ${info.signal})`);
    });
  }

  get name(): string {
    return this.spec.node;
  }

  get role(): WorkerSpec["role"] {
    return this.spec.role;
  }

  describe(): DeployedNode {
    return { name: this.name, role: this.role, alive: this.process.running && !this.process.isPaused };
  }

  start(): void {
    this.failure = undefined;
    this.aclSecretUnawaited = 0;
    this.process.start();
    const incarnation = `${this.spec.node}#${this.process.starts}`;
    const stdout = this.process.stdout;
    if (!stdout) return;
    const lines = createInterface({ input: stdout });
    this.outputDone = new Promise((resolve) => lines.once("close", resolve));
    lines.on("line", (line) => this.onLine(incarnation, line));
  }

  private onLine(incarnation: string, line: string): void {
    const parsed = routeWorkerLine(line, incarnation, this.name, this.bridge, this.ledger);
    if (parsed.kind === "control") {
      const control = parsed.control;
      if (control.event === "failed") this.failure = control.error;
      if (control.event === "acl-secret") {
        // Answers come in the order the lines went down the pipe: those to lines written while
        // paused come first, and nobody waits for them.
        if (this.aclSecretUnawaited > 0) {
          this.aclSecretUnawaited--;
          return;
        }
        this.aclSecretApplied = control.applied;
      }
      for (const waiter of this.waiters.filter((item) => item.event === control.event || control.event === "failed")) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    } else if (parsed.kind === "log") {
      appendFileSync(this.logFile, parsed.line + "\n");
    }
  }

  /** Resolves on the control event, on failure or exit (then throws), or after timeoutMs (throws). */
  async waitFor(event: ControlEvent, timeoutMs: number): Promise<void> {
    if (!this.process.running) throw new Error(`${this.name} is not running (see ${this.logFile})`);
    let timer: NodeJS.Timeout | undefined;
    const arrived = await Promise.race([
      new Promise<boolean>((resolve) => this.waiters.push({ event, resolve: () => resolve(true) })),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (this.failure !== undefined) throw new Error(`${this.name} failed: ${this.failure.split("\n")[0]} (see ${this.logFile})`);
    if (!arrived) throw new Error(`${this.name}: no "${event}" within ${timeoutMs} ms (see ${this.logFile})`);
    if (!this.process.running && event !== "stopped") throw new Error(`${this.name} exited before "${event}" (see ${this.logFile})`);
  }

  /**
   * Stops its sending now if it runs, else when it next runs (restart, resume): the order
   * stands for the rest of the run. Resolves once the running incarnation said it stopped.
   */
  async stopProducing(timeoutMs: number): Promise<void> {
    this.stopOrderTimeoutMs = timeoutMs;
    await this.applyStopOrder();
  }

  /** Tells the running, unpaused incarnation about a standing stop order, once. */
  private async applyStopOrder(): Promise<void> {
    const timeoutMs = this.stopOrderTimeoutMs;
    if (timeoutMs === undefined || !this.process.running || this.process.isPaused) return;
    if (this.stopToldStart === this.process.starts) return;
    this.stopToldStart = this.process.starts;
    const stopped = this.waitFor("producers-stopped", timeoutMs);
    this.process.signal("SIGUSR2");
    await stopped;
  }

  /**
   * The acl-secret fault: from now on the worker's clients sign with secretKey (undefined: its
   * own secret again). Resolves once the worker answered. A paused worker reads the line when
   * it resumes, so it is not waited for; a worker that is not running keeps no secret to swap
   * (a restart starts it with its own). Commands to one worker go one at a time, because an
   * answer does not name its command.
   */
  setAclSecret(secretKey: string | undefined, timeoutMs: number): Promise<AclSecretOutcome> {
    const turn = this.aclSecretTurn.then(() => this.sendAclSecret(secretKey, timeoutMs));
    this.aclSecretTurn = turn.catch(() => undefined);
    return turn;
  }

  private async sendAclSecret(secretKey: string | undefined, timeoutMs: number): Promise<AclSecretOutcome> {
    const stdin = this.process.stdin;
    if (!this.process.running || stdin === null) return "not-running";
    const line = formatWorkerCommand({ kind: "acl-secret", secretKey });
    if (this.process.isPaused) {
      this.aclSecretUnawaited++;
      stdin.write(line);
      return "queued-while-paused";
    }
    const answered = this.waitFor("acl-secret", timeoutMs);
    stdin.write(line);
    await answered;
    return this.aclSecretApplied ? "applied" : "unsupported";
  }

  /** SIGTERM, SIGKILL after twice the stop timeout (a consumer leaves its group first); resolves once its last history line is read. */
  async stop(): Promise<void> {
    await this.process.stop(this.timeouts.stopTimeoutMs * 2);
    await this.outputDone;
  }

  async crash(): Promise<void> {
    await this.process.crash();
    await this.outputDone;
    // A killed consumer cannot say it left; the deployer saw it go.
    const group = this.spec.consumer?.group;
    if (group !== undefined) this.ledger.left(this.name, group);
  }

  async restart(): Promise<boolean> {
    this.start();
    await this.waitFor("ready", this.timeouts.readyTimeoutMs);
    await this.applyStopOrder();
    return true;
  }

  pause(): Promise<void> {
    this.process.pause();
    return Promise.resolve();
  }

  resume(): Promise<void> {
    this.process.resume();
    return this.applyStopOrder();
  }
}

export interface WorkerLaunch extends WorkerTimeouts {
  bridge: WorkerHistoryBridge;
  ledger: NodeLedger;
  /** The worker's own directory (its spec file and state directory go there). */
  nodeDir(node: string): string;
  /** How to run it: argv (namespace prefix included), environment, cwd, log. */
  command(spec: WorkerSpec, specPath: string): Omit<NodeCommand, "pipe">;
  /** Called before it starts (the deployer keeps it, so a fault can reach it). */
  adopt(worker: WorkerProcess): void;
}

/** Starts every worker at once; each records "start" once it says it is ready. */
export async function startWorkers(specs: readonly WorkerSpec[], launch: WorkerLaunch): Promise<WorkerProcess[]> {
  return Promise.all(specs.map(async (baseSpec) => {
    const nodeDir = launch.nodeDir(baseSpec.node);
    mkdirSync(nodeDir, { recursive: true });
    const spec = { ...baseSpec, stateDir: join(nodeDir, "state") };
    const specPath = join(nodeDir, "worker.json");
    const worker = new WorkerProcess(spec, launch.command(spec, specPath), specPath, launch.bridge, launch.ledger, { readyTimeoutMs: launch.readyTimeoutMs, stopTimeoutMs: launch.stopTimeoutMs });
    launch.adopt(worker);
    worker.start();
    await worker.waitFor("ready", launch.readyTimeoutMs);
    launch.ledger.node(spec.node, "start");
    return worker;
  }));
}
