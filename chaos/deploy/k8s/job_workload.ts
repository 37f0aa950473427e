// The workload Job's pod, seen from the lab: one container per client node, each a worker
// (chaos/deploy/worker.ts) whose stdout is the worker protocol. Its history is followed live
// (`kubectl logs -f` per container), so events reach the run's recorder in about the order
// they happen, as with the process deployer's pipes; at the end the whole log is read once
// more and any line the follow missed (a dropped stream) is taken from there. The image has
// no shell: control signals go to the worker (PID 1 of its container, which handles SIGUSR2
// and SIGTERM) through `kubectl exec … node -e process.kill(1, …)`.
// Invariant: each log line is fed to the recorder once — lines are counted per container and
// the final read skips what the follow delivered.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { HistoryRecorder } from "../../history/types.ts";
import { imageNodePath } from "../image_layout.ts";
import { parseWorkerLine, type WorkerControl, type WorkerHistoryBridge } from "../worker_protocol.ts";
import { kubectl, type KubectlFollow, type KubectlRunner } from "./kubectl.ts";

type ControlEvent = WorkerControl["event"];

export interface JobContainer {
  /** Container name in the pod (k8sName of the node). */
  container: string;
  /** The client node it runs ("consumer-GroupTest-1"). */
  node: string;
  role: "producer" | "consumer";
}

interface ContainerState {
  linesSeen: number;
  /** Its follow has ended (the container exited, or the stream dropped). */
  ended: boolean;
  controls: Set<ControlEvent>;
  follow?: KubectlFollow;
}

export class JobWorkload {
  private readonly states = new Map<string, ContainerState>();

  constructor(
    private readonly runner: KubectlRunner,
    private readonly namespace: string,
    readonly pod: string,
    readonly containers: readonly JobContainer[],
    private readonly bridge: WorkerHistoryBridge,
    private readonly history: HistoryRecorder,
    private readonly nowMs: () => number,
    private readonly logDir: string,
  ) {
    for (const { container } of containers) this.states.set(container, { linesSeen: 0, ended: false, controls: new Set() });
  }

  /** Starts following every container's log. */
  follow(): void {
    for (const entry of this.containers) {
      const state = this.stateOf(entry.container);
      state.follow = this.runner.follow(["logs", "-f", this.pod, "-c", entry.container, "-n", this.namespace], (line) => {
        state.linesSeen++;
        this.onLine(entry, line);
      });
      void state.follow.done.then(() => (state.ended = true));
    }
  }

  private stateOf(container: string): ContainerState {
    const state = this.states.get(container);
    if (state === undefined) throw new Error(`the workload Job has no container ${container}`);
    return state;
  }

  private onLine(entry: JobContainer, line: string): void {
    let parsed;
    try {
      parsed = parseWorkerLine(line);
    } catch (error) {
      parsed = { kind: "log" as const, line: `unparsable worker line (${(error as Error).message}): ${line}` };
    }
    if (parsed.kind === "history") {
      // One incarnation per container: restartPolicy Never, a worker never runs twice.
      this.bridge.accept(entry.container, parsed.event);
      return;
    }
    if (parsed.kind === "log") {
      appendFileSync(join(this.logDir, `${entry.node}.log`), line + "\n");
      return;
    }
    const event = parsed.control.event;
    this.stateOf(entry.container).controls.add(event);
    if (parsed.control.event === "failed") {
      this.history.record({ type: "note", timeMs: this.nowMs(), process: entry.node, text: `worker failed: ${parsed.control.error.split("\n")[0]}` });
    }
  }

  /**
   * Waits for a control line from every given container. A container whose follow ended early
   * (a dropped stream) is caught up from its whole log, once a second, until the line is there.
   */
  async waitForAll(entries: readonly JobContainer[], event: ControlEvent, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = entries.filter((entry) => !this.stateOf(entry.container).controls.has(event) && !this.stateOf(entry.container).controls.has("failed"));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`workload Job: no "${event}" from ${missing.map((entry) => entry.node).join(", ")} within ${timeoutMs} ms`);
      const ended = missing.filter((entry) => this.stateOf(entry.container).ended);
      if (ended.length > 0) await this.catchUp(ended);
      await new Promise((resolve) => setTimeout(resolve, ended.length > 0 ? 1_000 : 100));
    }
  }

  /** Sends a signal to the worker of each given container (PID 1 of the container). */
  async signal(entries: readonly JobContainer[], signal: "SIGUSR2" | "SIGTERM"): Promise<void> {
    await Promise.all(entries.map((entry) => kubectl(this.runner, [
      "exec", this.pod, "-c", entry.container, "-n", this.namespace, "--", imageNodePath, "-e", `process.kill(1, "${signal}")`,
    ], { timeoutMs: 60_000 })));
  }

  /** Waits for every follow to end (the containers exited), at most timeoutMs, then stops them. */
  async followsDone(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.followDones()), timeout]);
    clearTimeout(timer);
    await this.stopFollowing();
  }

  private followDones(): Promise<unknown>[] {
    return [...this.states.values()].flatMap((state) => (state.follow === undefined ? [] : [state.follow.done]));
  }

  /** Stops every follow and waits until each has delivered its last line. */
  async stopFollowing(): Promise<void> {
    for (const state of this.states.values()) state.follow?.stop();
    await Promise.all(this.followDones());
  }

  /**
   * Reads each container's whole log and feeds the lines the follow did not deliver. Returns
   * problems: a container whose log lacks its "ready" line lost its beginning (kubelet rotates
   * container logs at containerLogMaxSize, 10 MiB by default), so its history is incomplete.
   */
  async collectRest(): Promise<string[]> {
    const problems = await this.catchUp(this.containers);
    for (const entry of this.containers) {
      if (!this.stateOf(entry.container).controls.has("ready")) problems.push(`${entry.node}: its log has no "ready" line, so its beginning is gone (log rotation?): the history is incomplete`);
    }
    return problems;
  }

  private async catchUp(entries: readonly JobContainer[]): Promise<string[]> {
    const problems: string[] = [];
    for (const entry of entries) {
      const state = this.stateOf(entry.container);
      let text;
      try {
        text = await kubectl(this.runner, ["logs", this.pod, "-c", entry.container, "-n", this.namespace], { timeoutMs: 300_000 });
      } catch (error) {
        problems.push(`${entry.node}: ${(error as Error).message}`);
        continue;
      }
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      // linesSeen counts before feeding: onLine never re-enters here.
      const rest = lines.slice(state.linesSeen);
      state.linesSeen = Math.max(state.linesSeen, lines.length);
      for (const line of rest) this.onLine(entry, line);
    }
    return problems;
  }
}
