// One supervised OS process of a cluster node. Each runs in its own process group, so a
// signal reaches the node and anything it spawned; stdout and stderr append to the node's log
// file (workers instead pipe stdout to the deployer, which records their history). Crash is
// SIGKILL; pause and resume are SIGSTOP and SIGCONT; stop is SIGTERM, then SIGKILL after a
// timeout; restart runs the same command again (same store directory).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { assert } from "../../../system/stdx/index.ts";

export interface NodeCommand {
  /** Full argv, namespace prefix included. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  /** Pipe stdin and stdout to the deployer (workers); otherwise stdout goes to the log. */
  pipe?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class NodeProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ExitInfo> = Promise.resolve({ code: 0, signal: null });
  private paused = false;
  private readonly exitHandlers: ((info: ExitInfo, expected: boolean) => void)[] = [];
  private expectingExit = false;
  /** Starts of this node so far (1 after start, 2 after the first restart, ...). */
  starts = 0;

  constructor(readonly name: string, private readonly command: NodeCommand) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get stdout(): Readable | null {
    return this.child?.stdout ?? null;
  }

  get stdin(): Writable | null {
    return this.child?.stdin ?? null;
  }

  /** Called on every exit; `expected` is false when the node died on its own. */
  onExit(handler: (info: ExitInfo, expected: boolean) => void): void {
    this.exitHandlers.push(handler);
  }

  start(): void {
    assert(!this.running, `${this.name} is already running`);
    const [file, ...args] = this.command.argv;
    assert(file !== undefined, "empty command");
    const logFd = openSync(this.command.logPath, "a");
    try {
      const child = spawn(file, args, {
        cwd: this.command.cwd,
        env: this.command.env,
        detached: true,
        stdio: [this.command.pipe ? "pipe" : "ignore", this.command.pipe ? "pipe" : logFd, logFd],
      });
      this.child = child;
      this.paused = false;
      this.expectingExit = false;
      this.starts++;
      this.exitPromise = new Promise((resolve) => {
        child.once("exit", (code, signal) => {
          const info = { code, signal };
          for (const handler of this.exitHandlers) handler(info, this.expectingExit);
          resolve(info);
        });
        // A spawn failure (no such program) never emits "exit".
        child.once("error", () => {
          const info = { code: -1, signal: null };
          for (const handler of this.exitHandlers) handler(info, false);
          resolve(info);
        });
      });
    } finally {
      closeSync(logFd);
    }
  }

  /** Signals the whole process group; false when it is gone. */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  exited(): Promise<ExitInfo> {
    return this.exitPromise;
  }

  async crash(): Promise<void> {
    this.expectingExit = true;
    this.signal("SIGKILL");
    await this.exitPromise;
    this.paused = false;
  }

  pause(): void {
    if (this.signal("SIGSTOP")) this.paused = true;
  }

  resume(): void {
    if (this.signal("SIGCONT")) this.paused = false;
  }

  /** SIGTERM (a paused node is woken to receive it), SIGKILL after timeoutMs. */
  async stop(timeoutMs: number): Promise<ExitInfo> {
    if (!this.running) return this.exitPromise;
    this.expectingExit = true;
    this.signal("SIGTERM");
    if (this.paused) this.resume();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const outcome = await Promise.race([this.exitPromise, timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") this.signal("SIGKILL");
    return this.exitPromise;
  }

  /** Exit-handler version: SIGKILL the group now, synchronously. */
  killSync(): void {
    this.signal("SIGKILL");
  }
}
