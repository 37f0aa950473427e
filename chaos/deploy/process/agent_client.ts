// The deployer's side of the namespace agent (agent.ts): starts it inside the namespace,
// sends requests, matches answers by id.
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AgentRequest, AgentResponse } from "./agent.ts";
import { NodeProcess } from "../wall_cluster/node_process.ts";
import type { ProbeRequest, ProbeResult } from "../wall_cluster/probe.ts";
import type { RelaySpec } from "./relay.ts";
import { tsEntryArgv } from "../node_commands.ts";

type RequestBody = AgentRequest extends infer R ? (R extends AgentRequest ? Omit<R, "id"> : never) : never;

export class AgentClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: ProbeResult) => void; reject: (error: Error) => void }>();
  private readyResolve: (() => void) | undefined;
  private readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  private constructor(private readonly node: NodeProcess) {}

  static async start(execPrefix: readonly string[], env: Record<string, string>, logPath: string, cwd: string): Promise<AgentClient> {
    const entry = fileURLToPath(new URL("./agent.ts", import.meta.url));
    const node = new NodeProcess("agent", { argv: [...execPrefix, ...tsEntryArgv(entry, [])], env, cwd, logPath, pipe: true });
    node.start();
    const client = new AgentClient(node);
    const stdout = node.stdout;
    if (!stdout) throw new Error("agent has no stdout");
    createInterface({ input: stdout }).on("line", (line) => client.onLine(line));
    node.onExit(() => {
      for (const waiter of client.pending.values()) waiter.reject(new Error("the namespace agent exited"));
      client.pending.clear();
    });
    const exited = node.exited().then(() => {
      throw new Error(`the namespace agent exited before it was ready (see ${logPath})`);
    });
    await Promise.race([client.ready, exited]);
    return client;
  }

  private onLine(line: string): void {
    const response = JSON.parse(line) as AgentResponse;
    if (response.id === 0) {
      this.readyResolve?.();
      return;
    }
    const waiter = this.pending.get(response.id);
    if (!waiter) return;
    this.pending.delete(response.id);
    if ("error" in response) waiter.reject(new Error(response.error));
    else waiter.resolve(response.result);
  }

  private request(body: RequestBody): Promise<ProbeResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.node.stdin?.write(JSON.stringify({ ...body, id }) + "\n");
    });
  }

  probe(probe: ProbeRequest): Promise<ProbeResult> {
    return this.request({ op: "probe", probe });
  }

  async startRelay(relay: RelaySpec): Promise<void> {
    await this.request({ op: "relay-start", relay });
  }

  async stopRelay(relayId: string): Promise<void> {
    await this.request({ op: "relay-stop", relayId });
  }

  get pid(): number | undefined {
    return this.node.pid;
  }

  async stop(): Promise<void> {
    this.node.stdin?.end();
    await this.node.stop(2_000);
  }

  killSync(): void {
    this.node.killSync();
  }
}
