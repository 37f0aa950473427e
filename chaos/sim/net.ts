// The simulated network: hosts with IPv4 addresses, listeners, connects, and delivery of
// connection pipes (net_connection.ts) under latency, jitter, firewall rules and flow
// faults (net_policy.ts). Every delivery and every rule change is traced.
//
// Model, per packet path from -> to (service port p):
// - Latency: base + uniform jitter (world PRNG stream "net") + matching flow-fault delay;
//   loopback (a node to itself) has its own small fixed latency and no rules.
// - connect: SYN after one-way latency, SYN-ACK back after one-way latency. No listener:
//   ECONNREFUSED (RST back). REJECT on the SYN's path: ECONNREFUSED after a round trip.
//   DROP on either path, an unknown address, or a powered-off host: the attempt is parked
//   and retried whenever rules change or a host powers on (SYN retransmission); otherwise
//   the caller's timeout fires ETIMEDOUT. A paused server's kernel still completes the
//   handshake; its accept callback runs on resume.
// - Established streams: a DROP on a pipe's path stalls it (bytes held, in order) until
//   the path opens; the first held segment then arrives one latency later. A REJECT met by
//   a segment resets both ends (ECONNRESET). A segment reaching a host whose process died
//   is answered by RST; a powered-off host answers nothing (the pipe stalls until it boots).
//   A stream stalled longer than retransmitTimeoutMs (Linux: tcp_retries2 = 15, about 924.6 s)
//   is given up by the sender's TCP: its side closes with ETIMEDOUT. Data reaching an endpoint
//   that already closed is answered by RST.
// - Process crash: the OS resets the node's connections (peers see ECONNRESET after the
//   latency, subject to the rules) and drops its listeners. Power loss: peers see nothing.
import type { Connection, Listener } from "../../system/env/env.ts";
import { NetError } from "../../system/env/env.ts";
import { assert } from "../../system/stdx/assert.ts";
import { msToUs, type NodeThread, type SimCore } from "./core.ts";
import { Endpoint, Pipe, SegmentKind, type SegmentKindCode, type Transport } from "./net_connection.ts";
import { Connector } from "./net_connect.ts";
import { NetHostState, SimListener } from "./net_host.ts";
import { NetPolicy, Verdict, type VerdictCode } from "./net_policy.ts";
import type { SimRandom } from "./random.ts";
import { TraceKind } from "./trace.ts";

export interface NetOptions {
  /** One-way base latency between two different hosts. */
  latencyMs: number;
  /** Uniform extra one-way latency in [0, jitterMs]. */
  jitterMs: number;
  /** One-way latency of a node talking to itself. */
  loopbackLatencyMs: number;
  /** How long a stalled stream may hold unacknowledged bytes before the sender gives up. */
  retransmitTimeoutMs: number;
}

export const netDefaults: NetOptions = { latencyMs: 0.25, jitterMs: 0.05, loopbackLatencyMs: 0.02, retransmitTimeoutMs: 924_600 };

/** What the network needs to know about a machine (SimNode implements it). */
export interface NetHost {
  readonly nodeIndex: number;
  readonly name: string;
  readonly ip: string;
  /** False while the machine is powered off. */
  readonly hostUp: boolean;
}

const loopbackNames = new Set(["127.0.0.1", "localhost", "::1"]);
const wildcardNames = new Set(["0.0.0.0", "::"]);

export class SimNet implements Transport {
  readonly policy = new NetPolicy();
  private readonly hosts = new Map<number, NetHostState>();
  private readonly hostsByAddress = new Map<string, NetHost>();
  private readonly stalled = new Set<Pipe>();
  private readonly connector: Connector = new Connector(this);
  private readonly latencyUs: number;
  private readonly jitterUs: number;
  private readonly loopbackUs: number;
  private readonly retransmitTimeoutUs: number;
  segmentsDelivered = 0;
  bytesDelivered = 0;

  constructor(
    readonly core: SimCore,
    options: NetOptions,
    private readonly random: SimRandom,
  ) {
    assert(options.latencyMs >= 0 && options.jitterMs >= 0 && options.loopbackLatencyMs >= 0);
    this.latencyUs = msToUs(options.latencyMs);
    this.jitterUs = msToUs(options.jitterMs);
    this.loopbackUs = msToUs(options.loopbackLatencyMs);
    assert(options.retransmitTimeoutMs > 0, "retransmitTimeoutMs must be > 0");
    this.retransmitTimeoutUs = msToUs(options.retransmitTimeoutMs);
  }

  addHost(host: NetHost): void {
    assert(!this.hostsByAddress.has(host.ip), `address ${host.ip} is taken`);
    assert(!this.hostsByAddress.has(host.name), `name ${host.name} is taken`);
    this.hosts.set(host.nodeIndex, new NetHostState(host));
    this.hostsByAddress.set(host.ip, host);
    this.hostsByAddress.set(host.name, host);
  }

  listen(thread: NodeThread, bindHost: string, port: number, onConnection: (connection: Connection) => void): Promise<Listener> {
    const state = this.hostState(thread.nodeIndex);
    const ip = state.host.ip;
    if (!thread.alive()) return new Promise(() => {});
    if (bindHost !== ip && !loopbackNames.has(bindHost) && !wildcardNames.has(bindHost)) {
      return this.failLater(thread, new NetError("EADDRNOTAVAIL", `${bindHost} is not an address of ${state.host.name}`));
    }
    assert(Number.isSafeInteger(port) && port >= 0 && port <= 65535, "port must be in [0, 65535]");
    const boundPort = port === 0 ? state.allocatePort() : port;
    if (boundPort === undefined || state.portInUse(boundPort)) {
      return this.failLater(thread, new NetError("EADDRINUSE", `${ip}:${port} is in use`));
    }
    const listener = new SimListener(this, state, thread, boundPort, loopbackNames.has(bindHost), onConnection);
    state.listeners.set(boundPort, listener);
    this.core.trace(TraceKind.listen, thread.nodeIndex, boundPort, 0);
    return new Promise((resolve) => this.later(thread, () => resolve(listener)));
  }

  connect(thread: NodeThread, host: string, port: number, timeoutMs: number): Promise<Connection> {
    const state = this.hostState(thread.nodeIndex);
    assert(Number.isSafeInteger(port) && port > 0 && port <= 65535, "port must be in [1, 65535]");
    assert(timeoutMs > 0, "connect timeoutMs must be > 0");
    if (!thread.alive()) return new Promise(() => {});
    const localPort = state.allocatePort();
    if (localPort === undefined) return this.failLater(thread, new NetError("EADDRNOTAVAIL", "no ephemeral port left"));
    state.usedPorts.add(localPort);
    const target = loopbackNames.has(host) ? state.host : this.hostsByAddress.get(host);
    return this.connector.connect(thread, state.host, target, port, localPort, timeoutMs);
  }

  /** A process died (mode process: the OS resets its connections) or the power went off. */
  processDown(nodeIndex: number, mode: "process" | "power"): void {
    const state = this.hostState(nodeIndex);
    for (const listener of state.listeners.values()) listener.kill();
    state.listeners.clear();
    for (const endpoint of state.endpoints) {
      endpoint.kill();
      this.clear(endpoint.out);
      if (mode === "process") this.enqueue(endpoint.out, SegmentKind.rst, null);
    }
    state.endpoints.clear();
    state.usedPorts.clear();
    this.connector.dropClient(state.host);
  }

  /** Rules changed, or a host powered on: retransmit what was held. */
  reevaluate(): void {
    for (const pipe of [...this.stalled]) {
      const verdict = this.pathVerdict(pipe);
      if (verdict === Verdict.drop || !this.hostOf(pipe.to).hostUp) continue;
      this.unstall(pipe);
      if (verdict === Verdict.reject) {
        this.resetBoth(pipe);
        continue;
      }
      pipe.floorUs = this.core.nowUs + this.oneWayUs(this.hostOf(pipe.from), this.hostOf(pipe.to), pipe.to.servicePort);
      this.schedule(pipe);
    }
    this.connector.retryParked();
  }

  enqueue(pipe: Pipe, kind: SegmentKindCode, bytes: Uint8Array | null): void {
    const from = this.hostOf(pipe.from);
    const to = this.hostOf(pipe.to);
    const port = pipe.to.servicePort;
    let filterUs = 0;
    if (bytes !== null) {
      const verdict = this.policy.filterDelayUs({ from: from.name, to: to.name, port, bytes, connId: pipe.from.connId });
      if (verdict === undefined) {
        this.core.trace(TraceKind.filterDrop, from.nodeIndex, pipe.from.connId, bytes.length, bytes);
        return;
      }
      filterUs = verdict;
    }
    const arrivalUs = this.core.nowUs + this.oneWayUs(from, to, port) + filterUs;
    const plannedUs = Math.max(arrivalUs, pipe.lastPlannedUs);
    pipe.lastPlannedUs = plannedUs;
    pipe.push({ kind, bytes, plannedUs });
    this.schedule(pipe);
  }

  clear(pipe: Pipe): void {
    pipe.drop();
    if (pipe.event !== null) this.core.cancel(pipe.event);
    pipe.event = null;
    this.unstall(pipe);
  }

  released(endpoint: Endpoint): void {
    const state = this.hostState(endpoint.thread.nodeIndex);
    state.endpoints.delete(endpoint);
    if (endpoint.localPort !== endpoint.servicePort) state.usedPorts.delete(endpoint.localPort);
  }

  /** Open connections (endpoints not yet closed) of a node, for tests and the lab. */
  openConnections(nodeIndex: number): number {
    return this.hostState(nodeIndex).endpoints.size;
  }

  hostState(nodeIndex: number): NetHostState {
    const state = this.hosts.get(nodeIndex);
    assert(state !== undefined, `node #${nodeIndex} has no network`);
    return state;
  }

  private schedule(pipe: Pipe): void {
    if (pipe.event !== null || pipe.stalled) return;
    const head = pipe.peek();
    if (head === undefined) return;
    const atUs = Math.max(head.plannedUs, pipe.floorUs, this.core.nowUs);
    pipe.event = this.core.at(atUs, () => this.deliver(pipe));
  }

  private deliver(pipe: Pipe): void {
    pipe.event = null;
    const segment = pipe.peek();
    if (segment === undefined) return;
    const to = pipe.to;
    const verdict = this.pathVerdict(pipe);
    if (verdict === Verdict.reject) return this.resetBoth(pipe);
    if (verdict === Verdict.drop || !this.hostOf(to).hostUp) return this.stall(pipe, segment.kind);
    pipe.shift();
    if (!to.thread.alive() || (to.closeNotified && segment.kind === SegmentKind.data)) {
      // The host is up but the process that owned the socket is gone: the kernel says RST.
      this.clear(pipe);
      if (segment.kind !== SegmentKind.rst) this.answerRst(pipe);
      return;
    }
    this.segmentsDelivered++;
    this.bytesDelivered += segment.bytes?.length ?? 0;
    this.core.trace(TraceKind.deliver, to.thread.nodeIndex, to.connId, segment.kind, segment.bytes ?? undefined);
    to.thread.post(() => to.receive(segment));
    this.schedule(pipe);
  }

  private stall(pipe: Pipe, kind: SegmentKindCode): void {
    pipe.stalled = true;
    this.stalled.add(pipe);
    this.core.trace(TraceKind.stall, pipe.to.thread.nodeIndex, pipe.to.connId, kind);
    if (pipe.stallTimeout !== null) return;
    pipe.stallTimeout = this.core.at(this.core.nowUs + this.retransmitTimeoutUs, () => {
      pipe.stallTimeout = null;
      if (!pipe.stalled) return;
      const from = pipe.from;
      this.core.trace(TraceKind.reset, from.thread.nodeIndex, from.connId, 2);
      this.clear(pipe);
      from.thread.post(() => from.retransmitTimedOut());
    });
  }

  private unstall(pipe: Pipe): void {
    pipe.stalled = false;
    this.stalled.delete(pipe);
    if (pipe.stallTimeout !== null) this.core.cancel(pipe.stallTimeout);
    pipe.stallTimeout = null;
  }

  private answerRst(pipe: Pipe): void {
    const back = pipe.to.out;
    this.clear(back);
    this.enqueue(back, SegmentKind.rst, null);
  }

  private resetBoth(pipe: Pipe): void {
    this.core.trace(TraceKind.reset, pipe.from.thread.nodeIndex, pipe.from.connId, 0);
    this.clear(pipe);
    this.clear(pipe.to.out);
    const rst = { kind: SegmentKind.rst, bytes: null, plannedUs: this.core.nowUs };
    for (const endpoint of [pipe.from, pipe.to]) endpoint.thread.post(() => endpoint.receive(rst));
  }

  private failLater<T>(thread: NodeThread, error: NetError): Promise<T> {
    return new Promise<T>((_resolve, reject) => this.later(thread, () => reject(error)));
  }

  private later(thread: NodeThread, fn: () => void): void {
    this.core.at(this.core.nowUs, () => thread.post(fn));
  }

  private pathVerdict(pipe: Pipe): VerdictCode {
    return this.verdict(this.hostOf(pipe.from), this.hostOf(pipe.to), pipe.to.servicePort);
  }

  /** Loopback traffic never crosses a firewall rule. */
  verdict(from: NetHost, to: NetHost, port: number): VerdictCode {
    return from === to ? Verdict.pass : this.policy.verdict(from.name, to.name, port);
  }

  private hostOf(endpoint: Endpoint): NetHost {
    return this.hostState(endpoint.thread.nodeIndex).host;
  }

  oneWayUs(from: NetHost, to: NetHost, port: number): number {
    if (from === to) return this.loopbackUs;
    const jitterUs = this.jitterUs > 0 ? this.random.intBetween(0, this.jitterUs) : 0;
    return this.latencyUs + jitterUs + this.policy.extraDelayUs(from.name, to.name, port, this.random);
  }
}
