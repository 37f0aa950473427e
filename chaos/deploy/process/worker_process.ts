// A workload worker as a supervised OS process: its spec goes to a file in the run directory,
// its stdout is read line by line — history lines into the run's recorder (through the
// WorkerHistoryBridge), control lines wake whoever waits for them, the rest into its log.
import { appendFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { HistoryRecorder } from "../../history/types.ts";
import { parseWorkerLine, type WorkerControl, type WorkerHistoryBridge, type WorkerSpec } from "../worker_protocol.ts";
import { NodeProcess, type NodeCommand } from "./node_process.ts";

type ControlEvent = WorkerControl["event"];

export class WorkerProcess {
  readonly process: NodeProcess;
  private readonly waiters: { event: ControlEvent; resolve: () => void }[] = [];
  private failure: string | undefined;
  private outputDone: Promise<void> = Promise.resolve();
  private readonly logFile: string;

  constructor(
    readonly spec: WorkerSpec,
    command: Omit<NodeCommand, "pipe">,
    specPath: string,
    private readonly bridge: WorkerHistoryBridge,
    private readonly history: HistoryRecorder,
    private readonly nowMs: () => number,
  ) {
    this.logFile = command.logPath;
    writeFileSync(specPath, JSON.stringify(spec, null, 2) + "\n");
    this.process = new NodeProcess(spec.node, { ...command, pipe: true });
    this.process.onExit((info, expected) => {
      for (const waiter of this.waiters.splice(0)) waiter.resolve();
      if (!expected) this.history.record({ type: "note", timeMs: this.nowMs(), process: this.name, text: `worker exited on its own (code ${info.code}, signal ${info.signal})` });
    });
  }

  get name(): string {
    return this.spec.node;
  }

  start(): void {
    this.failure = undefined;
    this.process.start();
    const incarnation = `${this.spec.node}#${this.process.starts}`;
    const stdout = this.process.stdout;
    if (!stdout) return;
    const lines = createInterface({ input: stdout });
    this.outputDone = new Promise((resolve) => lines.once("close", resolve));
    lines.on("line", (line) => this.onLine(incarnation, line));
  }

  private onLine(incarnation: string, line: string): void {
    let parsed;
    try {
      parsed = parseWorkerLine(line);
    } catch (error) {
      parsed = { kind: "log" as const, line: `unparsable worker line (${(error as Error).message}): ${line}` };
    }
    if (parsed.kind === "history") {
      this.bridge.accept(incarnation, parsed.event);
    } else if (parsed.kind === "control") {
      const control = parsed.control;
      if (control.event === "failed") {
        this.failure = control.error;
        this.history.record({ type: "note", timeMs: this.nowMs(), process: this.name, text: `worker failed: ${control.error.split("\n")[0]}` });
      }
      for (const waiter of this.waiters.filter((item) => item.event === control.event || control.event === "failed")) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    } else {
      appendFileSync(this.logPath(), parsed.line + "\n");
    }
  }

  private logPath(): string {
    return this.logFile;
  }

  /** Resolves on the control event, on failure or exit (then throws), or after timeoutMs (throws). */
  async waitFor(event: ControlEvent, timeoutMs: number): Promise<void> {
    if (!this.process.running) throw new Error(`${this.name} is not running (see ${this.logPath()})`);
    let timer: NodeJS.Timeout | undefined;
    const arrived = await Promise.race([
      new Promise<boolean>((resolve) => this.waiters.push({ event, resolve: () => resolve(true) })),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (this.failure !== undefined) throw new Error(`${this.name} failed: ${this.failure.split("\n")[0]} (see ${this.logPath()})`);
    if (!arrived) throw new Error(`${this.name}: no "${event}" within ${timeoutMs} ms (see ${this.logPath()})`);
    if (!this.process.running && event !== "stopped") throw new Error(`${this.name} exited before "${event}" (see ${this.logPath()})`);
  }

  async stopProducing(timeoutMs: number): Promise<void> {
    if (!this.process.running || this.process.isPaused) return;
    const stopped = this.waitFor("producers-stopped", timeoutMs);
    this.process.signal("SIGUSR2");
    await stopped;
  }

  /** SIGTERM, SIGKILL after timeoutMs; resolves once its last history line is read. */
  async stop(timeoutMs: number): Promise<void> {
    await this.process.stop(timeoutMs);
    await this.outputDone;
  }

  async crash(): Promise<void> {
    await this.process.crash();
    await this.outputDone;
  }
}
