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
// - Segmentation (policy.segmentation, off when null): writes are cut into pieces, pieces
//   leave over time and may coalesce with the next write's (net_policy.ts SegmentationSpec).
// - Middlebox resets (resetConnections, or a flow fault's resetMidFrame): the connection's
//   pipes are severed. Bytes already sent (or a random strict prefix of them, or of the write
//   in progress, when the reset is mid-frame) still arrive, then RST; one endpoint hears it
//   first, the other a chosen delay later and until then writes into the void.
import type { Connection, Listener } from "../../system/env/index.ts";
import { NetError } from "../../system/env/index.ts";
import { assert } from "../../system/stdx/index.ts";
import { msToUs, type NodeThread, type SimCore } from "./core.ts";
import { Endpoint, Pipe, SegmentKind, type SegmentKindCode, type Transport } from "./net_connection.ts";
import { Connector } from "./net_connect.ts";
import { NetHostState, SimListener } from "./net_host.ts";
import { checkSegmentation, Matcher, NetPolicy, Verdict, type NodeSelector, type SegmentationSpec, type VerdictCode } from "./net_policy.ts";
import { segmentLabel } from "./event_costs.ts";
import { deriveRandom, type SimRandom } from "./random.ts";
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
  /** How TCP streams are chunked (null: each write arrives whole); changeable at run time. */
  segmentation: Readonly<SegmentationSpec> | null;
}

export const netDefaults: NetOptions = {
  latencyMs: 0.25, jitterMs: 0.05, loopbackLatencyMs: 0.02, retransmitTimeoutMs: 924_600, segmentation: null,
};

/** Which connections resetConnections acts on, and how. */
export interface ResetSpec {
  /** Endpoints on these nodes hear the RST first ... */
  from: NodeSelector;
  /** ... their peers on these nodes asymmetricDelayMs later. */
  to: NodeSelector;
  /** The connection's service (listening) port; absent: any. */
  port?: number;
  /**
   * true: a frame is cut. Bytes in flight are cut at a random byte (the rest never arrives);
   * a connection with none in flight is armed and cut inside its next write, either way.
   * false: everything already written arrives, then RST.
   */
  midFrame: boolean;
  /** The `to` side hears the RST this much later than the `from` side (default 0). */
  asymmetricDelayMs?: number;
}

/** What resetConnections did; disarm() forgets the armed connections that have not written yet. */
export interface ResetHandle {
  readonly reset: number;
  readonly armed: number;
  disarm(): void;
}

/** What the network needs to know about a machine (SimNode implements it). */
export interface NetHost {
  readonly nodeIndex: number;
  readonly name: string;
  readonly ip: string;
  /** False while the machine is powered off. */
  readonly hostUp: boolean;
}

/** The b field of reset trace records. */
const ResetCause = { reject: 0, retransmitTimeout: 2, midFrame: 3, betweenFrames: 4, armed: 5, void: 6 } as const;

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
  /** Segmentation and reset draws: a stream of their own, so the gentle network's draws stay put. */
  private readonly segmentRandom: SimRandom;
  segmentsDelivered = 0;
  bytesDelivered = 0;
  /** Connections severed by a middlebox reset (resetConnections, resetMidFrame). */
  connectionsReset = 0;
  /** Bytes written into a severed connection before the writer heard of the reset. */
  bytesIntoVoid = 0;

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
    this.segmentRandom = deriveRandom(core.seed, "net", "segments");
    this.setSegmentation(options.segmentation);
  }

  setSegmentation(spec: Readonly<SegmentationSpec> | null): void {
    if (spec !== null) checkSegmentation(spec);
    this.policy.segmentation = spec === null ? null : { ...spec };
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
    if (pipe.severed) {
      // A middlebox reset the connection; this endpoint has not heard yet: into the void.
      this.bytesIntoVoid += bytes?.length ?? 0;
      this.core.trace(TraceKind.reset, from.nodeIndex, pipe.from.connId, ResetCause.void, bytes ?? undefined);
      return;
    }
    const to = this.hostOf(pipe.to);
    const port = pipe.to.servicePort;
    let filterUs = 0;
    // The segment's description is built only when a filter will read it (rarely: it was one object per write).
    if (bytes !== null && this.policy.filtering) {
      const verdict = this.policy.filterDelayUs({ from: from.name, to: to.name, port, bytes, connId: pipe.from.connId });
      if (verdict === undefined) {
        this.core.trace(TraceKind.filterDrop, from.nodeIndex, pipe.from.connId, bytes.length, bytes);
        return;
      }
      filterUs = verdict;
    }
    const arrivalUs = this.core.nowUs + this.oneWayUs(from, to, port) + filterUs;
    const plannedUs = Math.max(arrivalUs, pipe.lastPlannedUs);
    if (bytes === null) {
      pipe.lastPlannedUs = plannedUs;
      pipe.push({ kind, bytes, plannedUs });
      return this.schedule(pipe);
    }
    // A reset armed on this connection, or drawn by a flow fault, cuts this very write.
    let reset: { firstEndpoint: Endpoint; secondDelayUs: number } | undefined;
    const armed = pipe.armedReset;
    if (armed !== null) {
      reset = { firstEndpoint: pipe.from.thread.nodeIndex === armed.firstNodeIndex ? pipe.from : pipe.to, secondDelayUs: armed.secondDelayUs };
    } else if (from !== to) {
      const delayUs = this.policy.resetDraw(from.name, to.name, port, this.segmentRandom);
      if (delayUs !== undefined) reset = { firstEndpoint: pipe.from, secondDelayUs: delayUs };
    }
    const sent = reset === undefined ? bytes : bytes.subarray(0, this.segmentRandom.intBetween(0, bytes.length - 1));
    if (sent.length > 0) this.pushData(pipe, sent, plannedUs);
    if (reset !== undefined) this.sever(reset.firstEndpoint, reset.secondDelayUs, ResetCause.midFrame);
    else this.schedule(pipe);
  }

  /** Queues one write's bytes: whole, or cut into pieces and coalesced (segmentation). */
  private pushData(pipe: Pipe, bytes: Uint8Array, plannedUs: number): void {
    const spec = this.policy.segmentation;
    if (spec === null) {
      pipe.lastPlannedUs = plannedUs;
      pipe.push({ kind: SegmentKind.data, bytes, plannedUs });
      return;
    }
    const random = this.segmentRandom;
    const gapUs = msToUs(spec.pieceGapMaxMs);
    const coalesceMaxBytes = spec.coalesceMaxBytes ?? 65_536;
    let atUs = plannedUs;
    for (let offset = 0; offset < bytes.length;) {
      const capBytes = Math.min(spec.maxSegmentBytes, bytes.length - offset);
      const sizeBytes = random.chance(spec.splitPercent, 100) ? random.intBetween(1, capBytes) : capBytes;
      // A write that leaves whole needs no view of itself.
      const piece = sizeBytes === bytes.length ? bytes : bytes.subarray(offset, offset + sizeBytes);
      if (offset > 0 && gapUs > 0) atUs += random.intBetween(0, gapUs);
      offset += sizeBytes;
      const tail = pipe.tail();
      const canJoin = tail !== undefined && tail.kind === SegmentKind.data && tail.bytes!.length + sizeBytes <= coalesceMaxBytes;
      if (canJoin && random.chance(spec.coalescePercent, 100)) pipe.appendToTail(piece, atUs);
      else pipe.push({ kind: SegmentKind.data, bytes: piece, plannedUs: atUs });
    }
    pipe.lastPlannedUs = atUs;
  }

  /**
   * Resets matching connections as a middlebox would (model in the header). Connections are
   * visited in a deterministic order (hosts by index, endpoints by creation).
   */
  resetConnections(spec: ResetSpec): ResetHandle {
    const matcher = new Matcher({ from: spec.from, to: spec.to, direction: "one-way", ...(spec.port === undefined ? {} : { port: spec.port }) });
    const delayUs = msToUs(spec.asymmetricDelayMs ?? 0);
    assert(delayUs >= 0, "asymmetricDelayMs must be >= 0");
    let reset = 0;
    const armedPipes: Pipe[] = [];
    const seen = new Set<number>();
    for (const state of this.hosts.values()) {
      for (const endpoint of [...state.endpoints]) {
        const peer = endpoint.peer;
        if (endpoint.closed || peer.closeNotified || endpoint.out.severed || seen.has(endpoint.connId)) continue;
        const host = state.host;
        const peerHost = this.hostOf(peer);
        if (host === peerHost || !matcher.matches(host.name, peerHost.name, endpoint.servicePort)) continue;
        seen.add(endpoint.connId);
        const secondDelayUs = delayUs;
        if (!spec.midFrame) {
          this.sever(endpoint, secondDelayUs, ResetCause.betweenFrames);
          reset++;
          continue;
        }
        const inFlight = [endpoint.out, peer.out].filter((pipe) => pipe.queuedBytes > 0);
        if (inFlight.length > 0) {
          const pipe = inFlight.length === 1 ? inFlight[0]! : this.segmentRandom.pick(inFlight);
          pipe.truncateData(this.segmentRandom.intBetween(0, pipe.queuedBytes - 1));
          this.sever(endpoint, secondDelayUs, ResetCause.midFrame);
          reset++;
          continue;
        }
        const armed = { firstNodeIndex: host.nodeIndex, secondDelayUs };
        endpoint.out.armedReset = armed;
        peer.out.armedReset = armed;
        armedPipes.push(endpoint.out, peer.out);
        this.core.trace(TraceKind.reset, host.nodeIndex, endpoint.connId, ResetCause.armed);
      }
    }
    return {
      reset,
      armed: armedPipes.length / 2,
      disarm: () => {
        for (const pipe of armedPipes) pipe.armedReset = null;
      },
    };
  }

  /**
   * A middlebox reset: both pipes are severed (what they hold still arrives, then RST); first
   * hears the RST after one latency, its peer secondDelayUs later.
   */
  private sever(first: Endpoint, secondDelayUs: number, cause: number): void {
    const second = first.peer;
    this.connectionsReset++;
    this.core.trace(TraceKind.reset, first.thread.nodeIndex, first.connId, cause);
    for (const pipe of [first.out, second.out]) {
      pipe.severed = true;
      pipe.armedReset = null;
    }
    this.pushRst(second.out, 0);
    this.pushRst(first.out, secondDelayUs);
  }

  private pushRst(pipe: Pipe, extraUs: number): void {
    const atUs = Math.max(this.core.nowUs + this.oneWayUs(this.hostOf(pipe.from), this.hostOf(pipe.to), pipe.to.servicePort) + extraUs, pipe.lastPlannedUs);
    pipe.lastPlannedUs = atUs;
    pipe.push({ kind: SegmentKind.rst, bytes: null, plannedUs: atUs });
    this.schedule(pipe);
  }

  /** An endpoint drops what it had queued (destroy, RST): a severed pipe's bytes are already on the wire. */
  clear(pipe: Pipe): void {
    if (!pipe.severed) this.purge(pipe);
  }

  private purge(pipe: Pipe): void {
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
    pipe.event = this.core.at(atUs, pipe.deliverNext ??= () => this.deliver(pipe));
    const costs = this.core.eventCosts;
    if (costs !== undefined) pipe.event.label = costs.label(() => segmentLabel(this.hostOf(pipe.from).name, this.hostOf(pipe.to).name, pipe.to.servicePort, head.bytes));
  }

  private deliver(pipe: Pipe): void {
    pipe.event = null;
    const segment = pipe.peek();
    if (segment === undefined) return;
    // Coalescing moved the head's arrival later since this delivery was scheduled.
    if (segment.plannedUs > this.core.nowUs) return this.schedule(pipe);
    const to = pipe.to;
    const verdict = this.pathVerdict(pipe);
    if (verdict === Verdict.reject) return this.resetBoth(pipe);
    if (verdict === Verdict.drop || !this.hostOf(to).hostUp) return this.stall(pipe, segment.kind);
    pipe.shift();
    if (!to.thread.alive() || (to.closeNotified && segment.kind === SegmentKind.data)) {
      // The host is up but the process that owned the socket is gone: the kernel says RST.
      this.purge(pipe);
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
      this.core.trace(TraceKind.reset, from.thread.nodeIndex, from.connId, ResetCause.retransmitTimeout);
      const severed = pipe.severed;
      this.purge(pipe);
      from.thread.post(() => from.retransmitTimedOut());
      // The RST of a middlebox reset was in this pipe: its receiver's own sends time out instead.
      if (severed) pipe.to.thread.post(() => pipe.to.retransmitTimedOut());
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
    this.core.trace(TraceKind.reset, pipe.from.thread.nodeIndex, pipe.from.connId, ResetCause.reject);
    this.purge(pipe);
    this.purge(pipe.to.out);
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
