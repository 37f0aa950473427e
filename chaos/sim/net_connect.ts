// The connect handshake of the simulated network (model in net.ts's header): SYN after
// one-way latency, SYN-ACK back, refusals (no listener, REJECT) answered by RST, and
// attempts parked while a DROP rule or a powered-off host swallows them, retried when the
// network changes (as SYN retransmission would), until the caller's own timeout fires.
import type { Connection } from "../../system/env/index.ts";
import { NetError } from "../../system/env/index.ts";
import { msToUs, type NodeThread } from "./core.ts";
import type { SimEvent } from "./event_queue.ts";
import { Endpoint, Pipe, SegmentKind, type Transport } from "./net_connection.ts";
import type { HostInfo, NetHostState, SimListener } from "./net_host.ts";
import { Verdict, type VerdictCode } from "./net_policy.ts";
import { TraceKind } from "./trace.ts";

/** What the handshake needs from SimNet. */
export interface ConnectorNet extends Transport {
  verdict(from: HostInfo, to: HostInfo, port: number): VerdictCode;
  oneWayUs(from: HostInfo, to: HostInfo, port: number): number;
  hostState(nodeIndex: number): NetHostState;
}

const connectErrors: Record<string, number> = { ECONNREFUSED: 1, ETIMEDOUT: 2 };

class ConnectAttempt {
  done = false;
  timeout: SimEvent | undefined;
  constructor(
    readonly attemptId: number,
    readonly thread: NodeThread,
    readonly client: HostInfo,
    readonly target: HostInfo | undefined,
    readonly port: number,
    readonly localPort: number,
    readonly resolve: (connection: Connection) => void,
    readonly reject: (error: NetError) => void,
  ) {}
}

export class Connector {
  private readonly parked = new Set<ConnectAttempt>();
  private attemptIdNext = 1;
  private connIdNext = 1;

  constructor(private readonly net: ConnectorNet) {}

  /** The local port is already reserved; target is undefined for an unknown address. */
  connect(thread: NodeThread, client: HostInfo, target: HostInfo | undefined, port: number, localPort: number, timeoutMs: number): Promise<Connection> {
    const core = this.net.core;
    return new Promise<Connection>((resolve, reject) => {
      const attempt = new ConnectAttempt(this.attemptIdNext++, thread, client, target, port, localPort, resolve, reject);
      core.trace(TraceKind.connectStart, thread.nodeIndex, attempt.attemptId, port);
      attempt.timeout = core.at(core.nowUs + msToUs(timeoutMs), () =>
        thread.post(() => this.fail(attempt, "ETIMEDOUT", `connect to ${target?.ip ?? "unknown host"}:${port} timed out`)),
      );
      this.sendSyn(attempt);
    });
  }

  /** The network changed: every parked attempt sends its SYN again. */
  retryParked(): void {
    const attempts = [...this.parked];
    this.parked.clear();
    for (const attempt of attempts) this.sendSyn(attempt);
  }

  /** The client's process died: its attempts are gone with it. */
  dropClient(client: HostInfo): void {
    for (const attempt of this.parked) if (attempt.client === client) this.parked.delete(attempt);
  }

  private sendSyn(attempt: ConnectAttempt): void {
    if (attempt.done) return;
    const target = attempt.target;
    if (target === undefined || !target.hostUp) return this.park(attempt);
    const verdict = this.net.verdict(attempt.client, target, attempt.port);
    if (verdict === Verdict.drop) return this.park(attempt);
    const oneWayUs = this.net.oneWayUs(attempt.client, target, attempt.port);
    if (verdict === Verdict.reject) return this.refuse(attempt, 2 * oneWayUs);
    this.net.core.at(this.net.core.nowUs + oneWayUs, () => this.synArrived(attempt, target));
  }

  private synArrived(attempt: ConnectAttempt, target: HostInfo): void {
    if (attempt.done) return;
    const forward = this.net.verdict(attempt.client, target, attempt.port);
    const backward = this.net.verdict(target, attempt.client, attempt.port);
    if (!target.hostUp || forward === Verdict.drop) return this.park(attempt);
    const backUs = this.net.oneWayUs(target, attempt.client, attempt.port);
    if (forward === Verdict.reject) return this.refuse(attempt, backUs);
    const listener = this.net.hostState(target.nodeIndex).listeners.get(attempt.port);
    const remote = listener !== undefined && listener.loopbackOnly && target !== attempt.client;
    if (listener === undefined || remote) return this.refuse(attempt, backUs);
    if (backward === Verdict.drop) return this.park(attempt);
    if (backward === Verdict.reject) return this.refuse(attempt, backUs);
    const [clientEnd, serverEnd] = this.establish(attempt, listener);
    this.net.core.at(this.net.core.nowUs + backUs, () => this.synAckArrived(attempt, clientEnd, serverEnd));
  }

  /** The server's kernel completed the handshake: both endpoints exist, accept is posted. */
  private establish(attempt: ConnectAttempt, listener: SimListener): [Endpoint, Endpoint] {
    const connId = this.connIdNext++;
    const server = listener.state.host;
    const clientAddress = `${attempt.client.ip}:${attempt.localPort}`;
    const serverAddress = `${server.ip}:${attempt.port}`;
    const clientEnd = new Endpoint(this.net, attempt.thread, connId, clientAddress, serverAddress, attempt.localPort, attempt.port);
    const serverEnd = new Endpoint(this.net, listener.thread, connId, serverAddress, clientAddress, attempt.port, attempt.port);
    clientEnd.peer = serverEnd;
    serverEnd.peer = clientEnd;
    clientEnd.out = new Pipe(clientEnd, serverEnd);
    serverEnd.out = new Pipe(serverEnd, clientEnd);
    listener.state.endpoints.add(serverEnd);
    this.net.core.trace(TraceKind.accept, server.nodeIndex, connId, attempt.port);
    listener.thread.post(() => listener.accept(serverEnd));
    return [clientEnd, serverEnd];
  }

  private synAckArrived(attempt: ConnectAttempt, clientEnd: Endpoint, serverEnd: Endpoint): void {
    if (attempt.done || !attempt.thread.alive()) {
      // The caller gave up (or died): its kernel answers the SYN-ACK with RST.
      this.net.enqueue(clientEnd.out, SegmentKind.rst, null);
      return;
    }
    attempt.done = true;
    this.net.core.cancel(attempt.timeout!);
    this.net.hostState(attempt.client.nodeIndex).endpoints.add(clientEnd);
    this.net.core.trace(TraceKind.connectOk, attempt.client.nodeIndex, attempt.attemptId, serverEnd.connId);
    attempt.thread.post(() => attempt.resolve(clientEnd));
  }

  private park(attempt: ConnectAttempt): void {
    this.parked.add(attempt);
  }

  private refuse(attempt: ConnectAttempt, afterUs: number): void {
    const core = this.net.core;
    const message = `connection refused by ${attempt.target?.ip}:${attempt.port}`;
    core.at(core.nowUs + afterUs, () => attempt.thread.post(() => this.fail(attempt, "ECONNREFUSED", message)));
  }

  private fail(attempt: ConnectAttempt, code: string, message: string): void {
    if (attempt.done) return;
    attempt.done = true;
    this.parked.delete(attempt);
    this.net.core.cancel(attempt.timeout!);
    this.net.hostState(attempt.client.nodeIndex).usedPorts.delete(attempt.localPort);
    this.net.core.trace(TraceKind.connectFail, attempt.client.nodeIndex, attempt.attemptId, connectErrors[code] ?? 0);
    attempt.reject(new NetError(code, message));
  }
}
