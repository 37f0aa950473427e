// The Env seam: everything a node does to the outside world goes through this object.
//
// Code under system/ never touches Date, setTimeout, Math.random, node:net, node:fs or
// process directly (lint enforces it). Two implementations exist: the real one
// (system/env/real/) over Node's APIs, and the simulator's (chaos/sim/) over virtual time,
// a seeded PRNG, an in-memory network and in-memory disks. One seed gives one history.
//
// Design choices that both implementations must honour:
// - Disk writes and reads are synchronous (they hit the page cache, as RocketMQ's mmap'd
//   files do); only fsync is asynchronous, because fsync is where time passes.
// - Network connections are push-style: callbacks for data and close, buffered writes.
// - Every callback an Env invokes runs on the node's own "thread": in the sim, a crashed or
//   paused node receives nothing.

/** Wall time and monotonic time, both in milliseconds. */
export interface Clock {
  /** Milliseconds since the Unix epoch (may jump: clock skew is a fault the sim can inject). */
  nowMs(): number;
  /** Milliseconds since an arbitrary origin; never goes backwards. Use it for timeouts. */
  monotonicMs(): number;
}

/** An opaque timer handle. */
export interface TimerHandle {
  readonly timerId: number;
}

export interface Timers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  /** Clearing an already fired or cleared timer is a no-op. */
  clear(handle: TimerHandle | undefined): void;
}

/** A seeded random source. Decisions use integers; no floats in control flow. */
export interface Random {
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform integer in [minInclusive, maxInclusive]. */
  intBetween(minInclusive: number, maxInclusive: number): number;
  /** True with probability numerator/denominator. */
  chance(numerator: number, denominator: number): boolean;
  /** Fill a new buffer with random bytes. */
  bytes(sizeBytes: number): Uint8Array;
}

/** One duplex byte stream. */
export interface Connection {
  /** "ip:port" of this end. */
  readonly localAddress: string;
  /** "ip:port" of the other end. */
  readonly remoteAddress: string;
  /** Queue bytes for sending. Returns false once the connection is closed (bytes dropped). */
  write(data: Uint8Array): boolean;
  /** Bytes queued but not yet handed to the network (for back-pressure decisions). */
  pendingWriteBytes(): number;
  /** Close gracefully after queued bytes are sent. */
  end(): void;
  /** Close at once; queued bytes are dropped. */
  destroy(reason?: Error): void;
  readonly closed: boolean;
  /** Exactly one data handler; set it before the first tick after connect/accept. */
  onData(handler: (chunk: Uint8Array) => void): void;
  /** Called exactly once when the connection is closed for any reason. */
  onClose(handler: (reason: Error | undefined) => void): void;
}

export interface Listener {
  /** "ip:port" actually bound (port 0 asks for an ephemeral port). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export class NetError extends Error {
  /** ECONNREFUSED, ETIMEDOUT, ECONNRESET, EADDRINUSE, EPIPE, EHOSTUNREACH ... */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "NetError";
    this.code = code;
  }
}

export interface Net {
  /** Bind host:port; rejects with NetError EADDRINUSE when taken. */
  listen(host: string, port: number, onConnection: (connection: Connection) => void): Promise<Listener>;
  /** Rejects with NetError ECONNREFUSED / ETIMEDOUT / EHOSTUNREACH. */
  connect(host: string, port: number, options: { timeoutMs: number }): Promise<Connection>;
}

export class DiskError extends Error {
  /** ENOSPC, ENOENT, EIO, EEXIST, EISDIR ... */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "DiskError";
    this.code = code;
  }
}

/** An open file. Positions and sizes are byte counts. */
export interface DiskFile {
  readonly path: string;
  sizeBytes(): number;
  /** Write at a position (pwrite). Throws DiskError (ENOSPC when the disk is full). */
  write(position: number, data: Uint8Array): void;
  /** Read up to lengthBytes at position; shorter at end of file. */
  read(position: number, lengthBytes: number): Uint8Array;
  /**
   * Read up to lengthBytes at position into target at targetOffset (pread into a caller's
   * buffer: the store's read path fills one buffer per pull instead of allocating per record).
   * Returns the bytes read, shorter at end of file; target must have room for lengthBytes.
   */
  readInto(position: number, target: Uint8Array, targetOffset: number, lengthBytes: number): number;
  truncate(sizeBytes: number): void;
  /** Make everything written so far durable. */
  fsync(): Promise<void>;
  close(): void;
}

export interface Disk {
  /** Opens (and with create, creates) a file; parent directories must exist. */
  open(path: string, options?: { create?: boolean }): DiskFile;
  exists(path: string): boolean;
  /** Create a directory and its parents (no error when it exists). */
  mkdirs(path: string): void;
  /** Names (not paths) in a directory, sorted; [] when it does not exist. */
  list(path: string): string[];
  /** Remove a file, or a directory tree. No error when absent. */
  remove(path: string): void;
  rename(fromPath: string, toPath: string): void;
  /** Whole-file helpers for small files (configs, checkpoints). */
  readFile(path: string): Uint8Array | undefined;
  /** Write to path.tmp, fsync, rename over path: the old or the new content survives a crash. */
  writeFileAtomic(path: string, data: Uint8Array): Promise<void>;
  /** Capacity of the file system holding path. */
  space(path: string): { totalBytes: number; freeBytes: number };
}

import type { ProbeSink } from "./probe.ts";

export type LogFields = Record<string, unknown>;

/** Structured logger; timestamps come from the Env's clock. */
export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Log;
}

export interface Env {
  /** Name of the node this Env belongs to (e.g. "broker-a", "namesrv-1"). */
  readonly nodeName: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly net: Net;
  readonly disk: Disk;
  readonly log: Log;
  /** Code-probe sink (system/env/probe.ts); absent = probes off (the real Env). */
  readonly probes?: ProbeSink | undefined;
}
