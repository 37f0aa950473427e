// The run's trace: every simulated event (virtual time, node, kind, numbers, and the bytes
// delivered or written) feeds one running sha256. Same seed, same code: same traceHash.
//
// Cheap by construction: records are fixed-size binary (kind u8, node u16, time f64 µs, a
// f64, b f64, payload length u32) packed into a reused 64 KiB buffer that is hashed when
// full; payload bytes go straight into the hash. Nothing is formatted unless a debug ring
// (keepLast > 0) was asked for, and that ring never feeds the hash.
import { createHash, type Hash } from "node:crypto";
import { assert } from "../../system/stdx/index.ts";

export const TraceKind = {
  nodeStart: 1,
  nodeCrash: 2,
  nodePause: 3,
  nodeResume: 4,
  nodeStop: 5,
  nodeFailed: 6,
  timerFire: 10,
  listen: 20,
  listenClose: 21,
  connectStart: 22,
  connectOk: 23,
  connectFail: 24,
  accept: 25,
  deliver: 26,
  stall: 27,
  close: 28,
  reset: 29,
  ruleAdd: 30,
  ruleRemove: 31,
  flowFaultAdd: 32,
  flowFaultRemove: 33,
  filterAdd: 34,
  filterRemove: 35,
  filterDrop: 36,
  segmentation: 37,
  resetInject: 38,
  diskWrite: 40,
  diskTruncate: 41,
  diskFsyncDone: 42,
  diskRename: 43,
  diskRemove: 44,
  diskPowerLoss: 45,
  diskCreate: 46,
  diskFault: 47,
  fault: 50,
} as const;
export type TraceKindCode = (typeof TraceKind)[keyof typeof TraceKind];

const kindNames = new Map<number, string>(Object.entries(TraceKind).map(([name, code]) => [code, name]));

/** "timerFire" for TraceKind.timerFire. */
export function traceKindName(kind: number): string {
  return kindNames.get(kind) ?? `kind${kind}`;
}

/** One decoded record, kept only in the optional debug ring. */
export interface TraceRecord {
  timeMs: number;
  node: string;
  kind: string;
  a: number;
  b: number;
  sizeBytes: number;
}

const recordSizeBytes = 1 + 2 + 8 + 8 + 8 + 4;
const bufferSizeBytes = 64 * 1024;

export class Trace {
  private readonly hash: Hash = createHash("sha256");
  private readonly buffer = new Uint8Array(bufferSizeBytes);
  private readonly view = new DataView(this.buffer.buffer);
  private bufferUsedBytes = 0;
  private readonly ring: TraceRecord[] = [];
  private ringNext = 0;
  /** Records fed to the hash so far. */
  recordCount = 0;

  /** nodeNames maps the node index in a record to a name for the debug ring. */
  constructor(
    private readonly keepLast: number,
    private readonly nodeNames: readonly string[],
  ) {
    assert(Number.isSafeInteger(keepLast) && keepLast >= 0, "keepLast must be >= 0");
  }

  record(kind: TraceKindCode, nodeIndex: number, timeUs: number, a: number, b: number, payload?: Uint8Array): void {
    assert(nodeIndex >= 0 && nodeIndex < 0xffff, "node index out of range");
    if (this.bufferUsedBytes + recordSizeBytes > bufferSizeBytes) this.flush();
    const view = this.view;
    let at = this.bufferUsedBytes;
    view.setUint8(at, kind);
    view.setUint16(at + 1, nodeIndex, true);
    view.setFloat64(at + 3, timeUs, true);
    view.setFloat64(at + 11, a, true);
    view.setFloat64(at + 19, b, true);
    view.setUint32(at + 27, payload === undefined ? 0 : payload.length, true);
    at += recordSizeBytes;
    if (payload !== undefined && payload.length > 0) {
      if (at + payload.length <= bufferSizeBytes) {
        this.buffer.set(payload, at);
        at += payload.length;
      } else {
        this.bufferUsedBytes = at;
        this.flush();
        this.hash.update(payload);
        at = 0;
      }
    }
    this.bufferUsedBytes = at;
    this.recordCount++;
    if (this.keepLast > 0) this.remember(kind, nodeIndex, timeUs, a, b, payload);
  }

  /** Hex sha256 of every record so far; the run keeps going. */
  hashHex(): string {
    this.flush();
    return this.hash.copy().digest("hex");
  }

  /** The last keepLast records, oldest first (empty unless keepLast > 0). */
  lastRecords(): TraceRecord[] {
    return [...this.ring.slice(this.ringNext), ...this.ring.slice(0, this.ringNext)];
  }

  private flush(): void {
    if (this.bufferUsedBytes === 0) return;
    this.hash.update(this.buffer.subarray(0, this.bufferUsedBytes));
    this.bufferUsedBytes = 0;
  }

  private remember(kind: number, nodeIndex: number, timeUs: number, a: number, b: number, payload?: Uint8Array): void {
    const record: TraceRecord = {
      timeMs: timeUs / 1000,
      node: this.nodeNames[nodeIndex] ?? `#${nodeIndex}`,
      kind: kindNames.get(kind) ?? `kind${kind}`,
      a,
      b,
      sizeBytes: payload?.length ?? 0,
    };
    if (this.ring.length < this.keepLast) {
      this.ring.push(record);
      return;
    }
    this.ring[this.ringNext] = record;
    this.ringNext = (this.ringNext + 1) % this.keepLast;
  }
}
