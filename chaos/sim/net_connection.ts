// One simulated TCP connection: two Endpoints (each the Env Connection of one side) joined
// by two Pipes (one per direction). A pipe is the kernel's view of one direction: an ordered
// queue of segments (data, FIN, RST) with planned arrival times; SimNet (net.ts) delivers
// its head one at a time, so order holds even with jitter, and a stalled pipe (DROP rule)
// holds its bytes until the path opens again, as TCP retransmission would.
//
// Endpoint states: open -> ended (we sent FIN; we can still receive, half-close) -> closed,
// or open/ended -> closed at once (destroy, RST received, FIN received). `closed` reads
// true as soon as the endpoint may no longer write. onClose fires exactly once: on FIN
// (reason undefined), on RST (NetError ECONNRESET), or on destroy (the given reason).
// Every receive runs on the owning node's thread (deferred while paused, dropped if dead).
//
// A pipe may be cut into any number of data segments per write, and a segment may carry the
// end of one write and the start of the next (segmentation, net_policy.ts): the byte stream
// is what TCP promises, the chunking is not. A severed pipe belongs to a connection a
// middlebox reset (net.ts resetConnection): what it holds was on the wire before the reset and
// still arrives, followed by the RST; anything written into it afterwards goes into the void.
// What the Env's Connection promises stays true under all of it: write() returning true means
// every byte is queued (the send buffer is unbounded) and will arrive in order unless the
// connection closes; pendingWriteBytes() counts the bytes not yet delivered and drains piece by
// piece when a write leaves in pieces; end() sends FIN after the last piece; destroy() drops
// what has not left (RST), except what a middlebox reset had already put on the wire.
import type { Connection } from "../../system/env/index.ts";
import { NetError } from "../../system/env/index.ts";
import type { NodeThread, SimCore } from "./core.ts";
import type { SimEvent } from "./event_queue.ts";

export const SegmentKind = { data: 0, fin: 1, rst: 2 } as const;
export type SegmentKindCode = (typeof SegmentKind)[keyof typeof SegmentKind];

export interface Segment {
  readonly kind: SegmentKindCode;
  /** Mutable only while queued: coalescing appends, a mid-frame reset truncates. */
  bytes: Uint8Array | null;
  plannedUs: number;
  /**
   * Set once coalescing joined pieces into this segment: the buffer `bytes` is a prefix of,
   * with room to grow, so a run of joins copies each byte about twice instead of once per join.
   */
  room?: Uint8Array;
}

/** A reset waiting for the next write on the connection, to cut that write mid-frame. */
export interface ArmedReset {
  /** The node index whose endpoint hears the RST first. */
  readonly firstNodeIndex: number;
  /** How much later the other endpoint hears it. */
  readonly secondDelayUs: number;
}

/** What an endpoint needs from the network. */
export interface Transport {
  readonly core: SimCore;
  enqueue(pipe: Pipe, kind: SegmentKindCode, bytes: Uint8Array | null): void;
  clear(pipe: Pipe): void;
  /** The endpoint is fully closed: free its port, forget it. */
  released(endpoint: Endpoint): void;
}

export class Pipe {
  private segments: Segment[] = [];
  private head = 0;
  queuedBytes = 0;
  lastPlannedUs = 0;
  /** No delivery before this time (set when a stalled pipe reopens: the retransmission). */
  floorUs = 0;
  event: SimEvent | null = null;
  /** The delivery action of this pipe, built once (SimNet.schedule). */
  deliverNext: (() => void) | null = null;
  stalled = false;
  /** While stalled with bytes in flight: when TCP gives up (retransmission timeout). */
  stallTimeout: SimEvent | null = null;
  /** The connection was reset by a middlebox: new writes vanish, the held bytes and RST go on. */
  severed = false;
  armedReset: ArmedReset | null = null;

  constructor(
    readonly from: Endpoint,
    readonly to: Endpoint,
  ) {}

  get length(): number {
    return this.segments.length - this.head;
  }

  peek(): Segment | undefined {
    return this.segments[this.head];
  }

  push(segment: Segment): void {
    this.segments.push(segment);
    this.queuedBytes += segment.bytes?.length ?? 0;
  }

  /** The last queued segment (the one a new piece may coalesce into). */
  tail(): Segment | undefined {
    return this.length > 0 ? this.segments[this.segments.length - 1] : undefined;
  }

  /**
   * Coalescing: bytes join the tail data segment, which now arrives no earlier than atUs. The
   * joined bytes live in a buffer owned by the segment (room), grown by doubling; nothing else
   * holds that buffer until the segment is delivered, and a delivered segment is never a tail.
   */
  appendToTail(bytes: Uint8Array, atUs: number): void {
    const tail = this.tail();
    if (tail === undefined || tail.kind !== SegmentKind.data || tail.bytes === null) throw new Error("appendToTail needs a data tail");
    const held = tail.bytes;
    const joinedBytes = held.length + bytes.length;
    let room = tail.room;
    const inRoom = room !== undefined && held.buffer === room.buffer && held.byteOffset === room.byteOffset;
    if (!inRoom || room!.length < joinedBytes) {
      room = new Uint8Array(Math.max(joinedBytes, 2 * held.length));
      room.set(held, 0);
      tail.room = room;
    }
    room!.set(bytes, held.length);
    tail.bytes = room!.subarray(0, joinedBytes);
    tail.plannedUs = Math.max(tail.plannedUs, atUs);
    this.queuedBytes += bytes.length;
  }

  /** Keeps the first keepBytes data bytes and drops every segment after them (FIN included). */
  truncateData(keepBytes: number): void {
    let kept = 0;
    let index = this.head;
    for (; index < this.segments.length && kept < keepBytes; index++) {
      const segment = this.segments[index]!;
      const size = segment.bytes?.length ?? 0;
      if (kept + size > keepBytes) segment.bytes = segment.bytes!.subarray(0, keepBytes - kept);
      kept += segment.bytes?.length ?? 0;
    }
    this.segments.length = index;
    this.queuedBytes = kept;
  }

  shift(): Segment | undefined {
    const segment = this.segments[this.head];
    if (segment === undefined) return undefined;
    this.head++;
    this.queuedBytes -= segment.bytes?.length ?? 0;
    if (this.head > 64 && this.head * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.head);
      this.head = 0;
    }
    return segment;
  }

  drop(): void {
    this.segments = [];
    this.head = 0;
    this.queuedBytes = 0;
  }
}

export class Endpoint implements Connection {
  peer!: Endpoint;
  out!: Pipe;
  state: "open" | "ended" | "closed" = "open";
  closeNotified = false;
  private dataHandler: ((chunk: Uint8Array) => void) | undefined;
  private closeHandler: ((reason: Error | undefined) => void) | undefined;
  private buffered: Uint8Array[] = [];
  private closeReason: { reason: Error | undefined } | undefined;

  constructor(
    private readonly transport: Transport,
    readonly thread: NodeThread,
    readonly connId: number,
    readonly localAddress: string,
    readonly remoteAddress: string,
    readonly localPort: number,
    /** The listener's port: what firewall rules and flow faults match on. */
    readonly servicePort: number,
  ) {}

  get closed(): boolean {
    return this.state !== "open";
  }

  write(data: Uint8Array): boolean {
    if (this.state !== "open" || !this.thread.alive()) return false;
    // No copy: write() takes the bytes, as the real Env's socket.write() does (it keeps a
    // reference until the bytes leave, so a caller must never change them after writing).
    // Every writer hands over fresh bytes (remoting frames from Node's pool, HA frames); a
    // private copy here cost a fresh off-heap buffer per 64 KiB written (page faults on the CI VMs).
    if (data.length > 0) this.transport.enqueue(this.out, SegmentKind.data, data);
    return true;
  }

  pendingWriteBytes(): number {
    return this.out.queuedBytes;
  }

  end(): void {
    if (this.state !== "open" || !this.thread.alive()) return;
    this.state = "ended";
    this.transport.enqueue(this.out, SegmentKind.fin, null);
  }

  destroy(reason?: Error): void {
    if (this.state === "closed" || !this.thread.alive()) return;
    this.state = "closed";
    this.transport.clear(this.out);
    this.transport.enqueue(this.out, SegmentKind.rst, null);
    // Like Node, the local close is reported asynchronously, never inside destroy().
    this.later(() => this.notifyClose(reason));
  }

  onData(handler: (chunk: Uint8Array) => void): void {
    this.dataHandler = handler;
    if (this.buffered.length > 0) this.later(() => this.flushBuffered());
  }

  onClose(handler: (reason: Error | undefined) => void): void {
    this.closeHandler = handler;
    if (this.closeReason !== undefined) this.later(() => this.fireClose());
  }

  /** Called on this endpoint's thread when a segment arrives. */
  receive(segment: Segment): void {
    if (segment.kind === SegmentKind.data) this.receiveData(segment.bytes!);
    else if (segment.kind === SegmentKind.fin) this.receiveFin();
    else this.receiveRst();
  }

  /** Our unacknowledged bytes went unanswered too long: TCP gives up (ETIMEDOUT). */
  retransmitTimedOut(): void {
    if (this.closeNotified) return;
    this.state = "closed";
    this.transport.clear(this.out);
    this.notifyClose(new NetError("ETIMEDOUT", `connection ${this.localAddress} -> ${this.remoteAddress} timed out (no ACK)`));
  }

  /** The process died: no callbacks ever again; returns whether it was still open. */
  kill(): boolean {
    const wasOpen = !this.closeNotified;
    this.state = "closed";
    this.closeNotified = true;
    this.dataHandler = undefined;
    this.closeHandler = undefined;
    this.buffered = [];
    return wasOpen;
  }

  private receiveData(bytes: Uint8Array): void {
    if (this.state === "closed") return;
    if (this.dataHandler === undefined || this.buffered.length > 0) {
      this.buffered.push(bytes);
      return;
    }
    this.dataHandler(bytes);
  }

  private receiveFin(): void {
    if (this.state === "closed") return;
    // With allowHalfOpen off (Node's default) the peer's FIN closes our side too.
    if (this.state === "open") this.transport.enqueue(this.out, SegmentKind.fin, null);
    this.state = "closed";
    this.notifyClose(undefined);
  }

  private receiveRst(): void {
    if (this.closeNotified) return;
    this.state = "closed";
    this.transport.clear(this.out);
    this.notifyClose(new NetError("ECONNRESET", `connection ${this.localAddress} <- ${this.remoteAddress} reset by peer`));
  }

  private notifyClose(reason: Error | undefined): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.closeReason = { reason };
    this.transport.released(this);
    if (this.closeHandler !== undefined) this.fireClose();
  }

  private fireClose(): void {
    const pending = this.closeReason;
    const handler = this.closeHandler;
    if (pending === undefined || handler === undefined) return;
    this.closeReason = undefined;
    this.closeHandler = undefined;
    handler(pending.reason);
  }

  private flushBuffered(): void {
    while (this.buffered.length > 0 && this.dataHandler !== undefined && this.state !== "closed") {
      this.dataHandler(this.buffered.shift()!);
    }
  }

  private later(fn: () => void): void {
    const core = this.transport.core;
    core.at(core.nowUs, () => this.thread.post(fn));
  }
}
