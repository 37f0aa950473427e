// One remoting connection, used the same way by the server (accepted connections) and the
// client (outgoing connections): frames in through a FrameDecoder, responses matched to pending
// requests by opaque, requests handed to a RequestDispatcher. Either side may send requests:
// the broker calls clients back (NOTIFY_CONSUMER_IDS_CHANGED, GET_CONSUMER_RUNNING_INFO).
// Invariants: the pending-request table never exceeds requestTableMax; every pending request
// settles exactly once (response, timeout, or the connection closing — which fails all of them
// at once); a decode error closes the connection; timeouts use the Env's timers only.
// Timeouts: one timer per channel, armed for the earliest pending deadline (a deadline heap),
// instead of one per request. It is re-armed only when a new request's deadline is earlier
// than the armed one; when it fires, every request whose deadline has come fails (earliest
// first, ties in send order) and it is armed again for the next deadline. A request that is
// answered leaves the heap without touching the timer, so a healthy channel sees about one
// timer per timeout period instead of one per request, and each request still times out at
// its own deadline (send time + timeoutMs).
import type { Clock, Connection, Log, TimerHandle, Timers } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { encodeFramePooled } from "./command_codec.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import type { RemotingCommand, SerializeType } from "./remoting_command.ts";
import { FLAG_ONEWAY, FLAG_RESPONSE, isResponse } from "./remoting_command.ts";
import {
  RemotingConnectionClosedError,
  RemotingDecodeError,
  RemotingSendRequestError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from "./remoting_errors.ts";
import { requestCodeName } from "./request_code.ts";
import { probe, type ProbeSink } from "../env/probe.ts";
import { DeadlineHeap } from "./deadline_heap.ts";

/** The public face of a connection: what processors and callers may use. */
export interface RemotingChannel {
  /** Unique per server/client instance; stable for the connection's life. */
  readonly channelId: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly closed: boolean;
  /** Sends a request to the peer and waits for its response. */
  invokeSync(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
  /** Sends a request with the oneway flag; throws RemotingSendRequestError if it cannot be written. */
  invokeOneway(request: RemotingCommand): void;
  close(): void;
}

/** What the request dispatcher needs from a channel to answer. */
export interface ResponseSink {
  readonly channel: RemotingChannel;
  /** Writes `response` stamped with the given opaque, flag and serialize type (default: its own). */
  sendResponse(response: RemotingCommand, opaque?: number, flag?: number, serializeType?: SerializeType): void;
}

/** Where a channel hands the requests it reads (RequestDispatcher is one). */
export interface IncomingRequests {
  dispatch(sink: ResponseSink, request: RemotingCommand): void;
}

/** Opaque ids for requests, wrapping at INT32_MAX like KafkaJS's correlationId. */
export class OpaqueCounter {
  private nextOpaque = 0;
  next(): number {
    const opaque = this.nextOpaque;
    this.nextOpaque = opaque === 0x7fffffff ? 0 : opaque + 1;
    return opaque;
  }
}

export interface ChannelDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly log: Log;
  readonly opaques: OpaqueCounter;
  readonly dispatcher: IncomingRequests;
  readonly frameSizeMax: number;
  readonly requestTableMax: number;
  /** Code-probe sink (the node's Env). */
  readonly probes?: ProbeSink | undefined;
  /** The server end: request bodies may be views of the received chunks (FrameDecoderOptions). */
  readonly bodiesMayViewChunks?: boolean | undefined;
  /** Header encoding of the requests this end sends; undefined: each request's own. */
  readonly requestSerializeType?: SerializeType | undefined;
}

interface PendingRequest {
  readonly opaque: number;
  readonly code: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly seq: number;
  heapIndex: number;
  readonly resolve: (response: RemotingCommand) => void;
  readonly reject: (error: Error) => void;
}

export class ConnectionChannel implements RemotingChannel, ResponseSink {
  readonly remoteAddress: string;
  readonly localAddress: string;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly deadlines = new DeadlineHeap<PendingRequest>();
  private pendingSeqNext = 0;
  /** The one timeout timer, armed for `armedDeadlineMs`. */
  private timeoutTimer: TimerHandle | undefined;
  private armedDeadlineMs = Infinity;
  private readonly decoder: FrameDecoder;
  private readonly closeListeners: ((reason: Error | undefined) => void)[] = [];
  private isClosed = false;

  constructor(
    readonly channelId: number,
    private readonly connection: Connection,
    private readonly deps: ChannelDeps,
  ) {
    this.remoteAddress = connection.remoteAddress;
    this.localAddress = connection.localAddress;
    this.decoder = new FrameDecoder((command) => this.onCommand(command), {
      frameSizeMax: deps.frameSizeMax, bodiesMayViewChunks: deps.bodiesMayViewChunks ?? false,
    });
    connection.onData((chunk) => this.onData(chunk));
    connection.onClose((reason) => this.onConnectionClosed(reason));
  }

  get channel(): RemotingChannel {
    return this;
  }

  get closed(): boolean {
    return this.isClosed || this.connection.closed;
  }

  get pendingRequestCount(): number {
    return this.pending.size;
  }

  onClose(listener: (reason: Error | undefined) => void): void {
    this.closeListeners.push(listener);
  }

  invokeSync(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    assert(timeoutMs >= 0, "timeoutMs must not be negative");
    if (this.closed) {
      return Promise.reject(new RemotingSendRequestError(this.remoteAddress, "connection is closed"));
    }
    if (this.pending.size >= this.deps.requestTableMax) {
      return Promise.reject(new RemotingTooMuchRequestError(this.remoteAddress, this.deps.requestTableMax));
    }
    let opaque = this.deps.opaques.next();
    while (this.pending.has(opaque)) opaque = this.deps.opaques.next();
    const frame = encodeFramePooled(
      request, opaque, request.flag & ~(FLAG_RESPONSE | FLAG_ONEWAY), this.deps.requestSerializeType ?? request.serializeType,
    );
    if (frame.length > this.deps.frameSizeMax) {
      return Promise.reject(this.tooLarge(frame.length));
    }
    return new Promise<RemotingCommand>((resolve, reject) => {
      const pending: PendingRequest = {
        opaque, code: request.code, timeoutMs, deadlineMs: this.deps.clock.monotonicMs() + timeoutMs,
        seq: this.pendingSeqNext++, heapIndex: -1, resolve, reject,
      };
      this.pending.set(opaque, pending);
      this.deadlines.push(pending);
      if (pending.deadlineMs < this.armedDeadlineMs) this.armTimeout(pending.deadlineMs);
      if (!this.connection.write(frame)) {
        this.settle(pending);
        probe(this.deps, "remoting.request.write-closed");
        reject(new RemotingSendRequestError(this.remoteAddress, "connection closed before the write"));
      }
    });
  }

  /** Takes a pending request out of the table and the deadline heap (the timer stays armed). */
  private settle(pending: PendingRequest): void {
    this.pending.delete(pending.opaque);
    this.deadlines.remove(pending);
  }

  private armTimeout(deadlineMs: number): void {
    this.deps.timers.clear(this.timeoutTimer);
    this.armedDeadlineMs = deadlineMs;
    this.timeoutTimer = this.deps.timers.setTimeout(this.onTimeoutTimer, deadlineMs - this.deps.clock.monotonicMs());
  }

  /** Fails every request whose deadline has come, then re-arms for the next deadline. */
  private readonly onTimeoutTimer = (): void => {
    this.timeoutTimer = undefined;
    this.armedDeadlineMs = Infinity;
    const nowMs = this.deps.clock.monotonicMs();
    const due: PendingRequest[] = [];
    for (let pending = this.deadlines.popDue(nowMs); pending !== undefined; pending = this.deadlines.popDue(nowMs)) {
      this.pending.delete(pending.opaque);
      due.push(pending);
    }
    const next = this.deadlines.peek();
    if (next !== undefined) this.armTimeout(next.deadlineMs);
    for (const pending of due) {
      assert(pending.deadlineMs <= nowMs, "a request timed out before its deadline");
      probe(this.deps, "remoting.request.timeout");
      const detail = `${requestCodeName(pending.code)} opaque ${pending.opaque}`;
      pending.reject(new RemotingTimeoutError(this.remoteAddress, pending.timeoutMs, detail));
    }
  };

  invokeOneway(request: RemotingCommand): void {
    const opaque = this.deps.opaques.next();
    const frame = encodeFramePooled(
      request, opaque, (request.flag | FLAG_ONEWAY) & ~FLAG_RESPONSE, this.deps.requestSerializeType ?? request.serializeType,
    );
    if (frame.length > this.deps.frameSizeMax) throw this.tooLarge(frame.length);
    if (!this.connection.write(frame)) {
      throw new RemotingSendRequestError(this.remoteAddress, "connection is closed");
    }
  }

  sendResponse(
    response: RemotingCommand, opaque = response.opaque, flag = response.flag, serializeType = response.serializeType,
  ): void {
    assert((flag & FLAG_RESPONSE) !== 0, "sendResponse needs the response flag");
    const frame = encodeFramePooled(response, opaque, flag, serializeType);
    if (frame.length > this.deps.frameSizeMax) {
      this.deps.log.error("response frame too large, dropped", { remoteAddress: this.remoteAddress, sizeBytes: frame.length });
      return;
    }
    if (!this.connection.write(frame)) {
      this.deps.log.debug("response dropped: connection closed", { remoteAddress: this.remoteAddress, opaque });
    }
  }

  /** Closes at once and fails every pending request. */
  close(): void {
    if (this.isClosed) return;
    this.failAll(new RemotingConnectionClosedError(this.remoteAddress, "closed locally"));
    this.isClosed = true;
    this.connection.destroy();
  }

  private tooLarge(sizeBytes: number): RemotingSendRequestError {
    return new RemotingSendRequestError(
      this.remoteAddress,
      `frame of ${sizeBytes} bytes exceeds frameSizeMax ${this.deps.frameSizeMax}`,
    );
  }

  private onData(chunk: Uint8Array): void {
    try {
      this.decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof RemotingDecodeError)) throw error;
      probe(this.deps, "remoting.decode.error");
      this.deps.log.warn("remoting decode error, closing connection", {
        remoteAddress: this.remoteAddress,
        error: error.message,
      });
      this.close();
    }
  }

  private onCommand(command: RemotingCommand): void {
    if (!isResponse(command)) {
      this.deps.dispatcher.dispatch(this, command);
      return;
    }
    const pending = this.pending.get(command.opaque);
    if (pending === undefined) {
      // Late response after a timeout, or a peer bug: nothing waits for it.
      probe(this.deps, "remoting.response.late");
      this.deps.log.debug("response without a pending request", {
        remoteAddress: this.remoteAddress,
        opaque: command.opaque,
        code: command.code,
      });
      return;
    }
    this.settle(pending);
    pending.resolve(command);
  }

  private onConnectionClosed(reason: Error | undefined): void {
    this.failAll(new RemotingConnectionClosedError(this.remoteAddress, reason?.message ?? "closed by peer", { cause: reason }));
    this.isClosed = true;
    for (const listener of this.closeListeners) listener(reason);
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    if (all.length > 0) probe(this.deps, "remoting.request.closed-pending");
    this.pending.clear();
    this.deadlines.drain();
    this.deps.timers.clear(this.timeoutTimer);
    this.timeoutTimer = undefined;
    this.armedDeadlineMs = Infinity;
    for (const request of all) request.reject(error);
  }
}
