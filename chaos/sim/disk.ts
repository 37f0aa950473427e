// A simulated disk: one per machine, outliving process crashes and restarts.
//
// What is modelled (honest, and deliberately simple):
// - Content: each file is an Inode (disk_file.ts): page-cache bytes that every read sees,
//   plus an undo journal of writes/truncates not yet made durable.
// - fsync: resolves after fsyncLatencyMs (+ jitter, times the slow-disk factor); completion
//   times are FIFO per disk. Ops issued before the fsync call become durable at completion.
// - Process crash: nothing happens to the disk (the OS keeps the page cache).
// - Power loss: every file reverts to its durable content plus a PRNG-chosen in-order prefix
//   of its unsynced ops; the first dropped write may be torn (a random byte prefix of it
//   survives). A file whose name was never made durable (created, never fsynced, never the
//   target of a rename) vanishes entirely.
// - Directory operations (mkdirs, remove, rename) are durable when they return. There is no
//   directory fsync in the Env, so this is the simplification: rename durability makes
//   writeFileAtomic (write tmp, fsync, rename) crash-safe, as on ext4 with a dir fsync. A
//   renamed file whose data was never fsynced may come back short or empty after a power
//   loss, exactly the classic zero-length-file bug.
// - Space: capacityBytes per disk; used = the sizes of linked files. A write or truncate that
//   would grow past free space throws DiskError ENOSPC and changes nothing. Capacity can be
//   changed at run time (full-disk fault); fill() makes the disk full now.
// - I/O errors (disk-error fault): while set, writes and the creation of a new file throw
//   DiskError EIO and change nothing, and fsyncs issued meanwhile fail with EIO and make nothing
//   durable (the pages stay dirty: the next good fsync, or a power loss, decides them).
//   Truncates, removes and renames still work: a failing disk's metadata path is not modelled.
//   "create" is inode exhaustion: only creating a file fails (ENOSPC), with space left for data.
import { posix } from "node:path";
import { DiskError } from "../../system/env/index.ts";
import { assert } from "../../system/stdx/index.ts";
import { msToUs, type SimCore } from "./core.ts";
import type { ByteStore } from "./byte_store.ts";
import { Inode } from "./disk_file.ts";
import type { SimRandom } from "./random.ts";
import { TraceKind, type TraceKindCode } from "./trace.ts";

export interface DiskOptions {
  /** Total capacity of the node's file system. */
  capacityBytes: number;
  /** Base fsync latency. */
  fsyncLatencyMs: number;
  /** Uniform extra fsync latency in [0, fsyncJitterMs]. */
  fsyncJitterMs: number;
}

export const diskDefaults: DiskOptions = { capacityBytes: 64 * 1024 ** 3, fsyncLatencyMs: 1, fsyncJitterMs: 1 };

/** Which operations fail with EIO (disk-error fault). */
export type DiskIoErrors = "none" | "write" | "fsync" | "both" | "create";

export class DirNode {
  readonly kind = "dir";
  readonly children = new Map<string, Entry>();
}
export interface FileEntry {
  readonly kind: "file";
  readonly inode: Inode;
}
export type Entry = DirNode | FileEntry;

const textEncoder = new TextEncoder();

export function normalizePath(path: string): string {
  assert(typeof path === "string" && path.length > 0, "path must be a non-empty string");
  return posix.resolve("/", path);
}

function components(path: string): string[] {
  return normalizePath(path).split("/").filter((part) => part.length > 0);
}

export class SimDisk {
  readonly root = new DirNode();
  private capacity: number;
  usedBytes = 0;
  private slow = 1;
  private ioErrors: DiskIoErrors = "none";
  private inodeIdNext = 1;
  private fsyncDoneLastUs = 0;
  /** Bumped by each power loss: fsyncs issued before it must not complete after it. */
  private powerEpoch = 0;

  constructor(
    private readonly core: SimCore,
    readonly nodeIndex: number,
    private readonly options: DiskOptions,
    private readonly random: SimRandom,
  ) {
    assert(options.capacityBytes >= 0 && options.fsyncLatencyMs >= 0 && options.fsyncJitterMs >= 0);
    this.capacity = options.capacityBytes;
  }

  get capacityBytes(): number {
    return this.capacity;
  }

  get freeBytes(): number {
    return Math.max(0, this.capacity - this.usedBytes);
  }

  /** Slow-disk fault: fsync latency is multiplied by this (1 = healthy). */
  get slowFactor(): number {
    return this.slow;
  }

  /** Full-disk fault: no byte more fits from now on (until restoreCapacity()). */
  fill(): void {
    this.setCapacityBytes(this.usedBytes);
  }

  setCapacityBytes(capacityBytes: number): void {
    assert(Number.isSafeInteger(capacityBytes) && capacityBytes >= 0, "capacity must be >= 0");
    this.capacity = capacityBytes;
    this.traceOp(TraceKind.diskFault, 1, capacityBytes);
  }

  /** Heals fill() / setCapacityBytes(): back to the configured capacity. */
  restoreCapacity(): void {
    this.setCapacityBytes(this.options.capacityBytes);
  }

  setSlowFactor(factor: number): void {
    assert(Number.isFinite(factor) && factor >= 1, "slow factor must be >= 1");
    this.slow = factor;
    this.traceOp(TraceKind.diskFault, 2, factor);
  }

  /** Disk-error fault: from now on these operations fail with EIO ("none" heals). */
  setIoErrors(errors: DiskIoErrors): void {
    this.ioErrors = errors;
    this.traceOp(TraceKind.diskFault, 3, ["none", "write", "fsync", "both", "create"].indexOf(errors));
  }

  private failsWrites(): boolean {
    return this.ioErrors === "write" || this.ioErrors === "both";
  }

  lookup(path: string): Entry | undefined {
    let entry: Entry = this.root;
    for (const name of components(path)) {
      if (entry.kind !== "dir") return undefined;
      const next: Entry | undefined = entry.children.get(name);
      if (next === undefined) return undefined;
      entry = next;
    }
    return entry;
  }

  /** For the lab and checkers (no process needed): a file's page-cache content. */
  readFile(path: string): Uint8Array | undefined {
    const entry = this.lookup(path);
    return entry?.kind === "file" ? entry.inode.content.read(0, entry.inode.sizeBytes) : undefined;
  }

  /**
   * For the lab: a file's live page-cache content, to read in place (no copy of the whole file);
   * it changes as the file does, so read it while no event runs.
   */
  fileContent(path: string): Pick<ByteStore, "sizeBytes" | "readInto"> | undefined {
    const entry = this.lookup(path);
    return entry?.kind === "file" ? entry.inode.content : undefined;
  }

  /** For the lab and checkers: sorted names in a directory ([] when absent). */
  list(path: string): string[] {
    const entry = this.lookup(path);
    return entry?.kind === "dir" ? [...entry.children.keys()].sort() : [];
  }

  /** The directory that holds path, which must exist. */
  parentDir(path: string): { dir: DirNode; name: string } {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined) throw new DiskError("EISDIR", `${path} is the root directory`);
    const dir = this.lookup("/" + parts.join("/"));
    if (dir === undefined) throw new DiskError("ENOENT", `no directory for ${path}`);
    if (dir.kind !== "dir") throw new DiskError("ENOTDIR", `parent of ${path} is a file`);
    return { dir, name };
  }

  openInode(path: string, create: boolean): Inode {
    const { dir, name } = this.parentDir(path);
    const entry = dir.children.get(name);
    if (entry?.kind === "dir") throw new DiskError("EISDIR", `${path} is a directory`);
    if (entry !== undefined) return entry.inode;
    if (!create) throw new DiskError("ENOENT", `no such file ${path}`);
    if (this.failsWrites()) throw new DiskError("EIO", `input/output error creating ${path}`);
    if (this.ioErrors === "create") throw new DiskError("ENOSPC", `no inode left to create ${path}`);
    const inode = new Inode(this.inodeIdNext++);
    dir.children.set(name, { kind: "file", inode });
    this.traceOp(TraceKind.diskCreate, inode.inodeId, 0, textEncoder.encode(normalizePath(path)));
    return inode;
  }

  write(inode: Inode, position: number, data: Uint8Array): void {
    assert(Number.isSafeInteger(position) && position >= 0, "write position must be >= 0");
    if (this.failsWrites()) throw new DiskError("EIO", `input/output error writing ${data.length} bytes`);
    this.reserve(inode, position + data.length);
    inode.write(position, data);
    this.traceOp(TraceKind.diskWrite, inode.inodeId, position, data);
  }

  truncate(inode: Inode, sizeBytes: number): void {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, "truncate size must be >= 0");
    this.reserve(inode, sizeBytes);
    if (inode.linked) this.usedBytes -= Math.max(0, inode.sizeBytes - sizeBytes);
    inode.truncate(sizeBytes);
    this.traceOp(TraceKind.diskTruncate, inode.inodeId, sizeBytes);
  }

  /**
   * Completes after the fsync latency; then calls done (a world event, not the node's), with an
   * EIO error and nothing made durable when the disk failed fsyncs as it was issued.
   */
  fsync(inode: Inode, done: (error?: DiskError) => void): void {
    const mark = inode.fsyncMark();
    const fails = this.ioErrors === "fsync" || this.ioErrors === "both";
    const jitterUs = this.random.intBetween(0, msToUs(this.options.fsyncJitterMs));
    const latencyUs = Math.round((msToUs(this.options.fsyncLatencyMs) + jitterUs) * this.slow);
    const doneAtUs = Math.max(this.core.nowUs + latencyUs, this.fsyncDoneLastUs);
    this.fsyncDoneLastUs = doneAtUs;
    const epoch = this.powerEpoch;
    this.core.at(doneAtUs, () => {
      if (epoch !== this.powerEpoch) return;
      if (fails) return done(new DiskError("EIO", "input/output error on fsync"));
      inode.makeDurable(mark);
      this.traceOp(TraceKind.diskFsyncDone, inode.inodeId, mark);
      done();
    });
  }

  mkdirs(path: string): void {
    let dir = this.root;
    for (const name of components(path)) {
      const entry = dir.children.get(name);
      if (entry?.kind === "file") throw new DiskError("ENOTDIR", `${name} in ${path} is a file`);
      if (entry !== undefined) {
        dir = entry;
        continue;
      }
      const created = new DirNode();
      dir.children.set(name, created);
      dir = created;
    }
  }

  remove(path: string): void {
    const entry = this.lookup(path);
    if (entry === undefined) return;
    if (entry === this.root) {
      this.root.children.clear();
    } else {
      const { dir, name } = this.parentDir(path);
      dir.children.delete(name);
    }
    this.usedBytes -= treeSizeBytes(entry);
    unlinkTree(entry);
    this.traceOp(TraceKind.diskRemove, 0, 0, textEncoder.encode(normalizePath(path)));
  }

  rename(fromPath: string, toPath: string): void {
    const from = normalizePath(fromPath);
    const to = normalizePath(toPath);
    const entry = this.lookup(from);
    if (entry === undefined) throw new DiskError("ENOENT", `no such file ${from}`);
    if (from === to) return;
    if (entry.kind === "dir" && (to + "/").startsWith(from + "/")) {
      throw new DiskError("EINVAL", `cannot move ${from} into itself`);
    }
    const target = this.parentDir(to);
    const replaced = target.dir.children.get(target.name);
    if (replaced?.kind === "dir") throw new DiskError("EISDIR", `${to} is a directory`);
    if (replaced !== undefined && entry.kind === "dir") throw new DiskError("ENOTDIR", `${to} is a file`);
    const source = this.parentDir(from);
    source.dir.children.delete(source.name);
    if (replaced !== undefined) {
      this.usedBytes -= replaced.inode.sizeBytes;
      replaced.inode.linked = false;
    }
    target.dir.children.set(target.name, entry);
    if (entry.kind === "file") entry.inode.linkDurable = true;
    this.traceOp(TraceKind.diskRename, 0, 0, textEncoder.encode(`${from}\0${to}`));
  }

  /** Power loss: see the header. Returns how many files vanished or lost ops. */
  powerLoss(): { filesDropped: number; filesReverted: number; tornWrites: number } {
    this.powerEpoch++;
    const outcome = { filesDropped: 0, filesReverted: 0, tornWrites: 0 };
    this.powerLossDir(this.root, outcome);
    this.usedBytes = treeSizeBytes(this.root);
    this.traceOp(TraceKind.diskPowerLoss, outcome.filesDropped, outcome.filesReverted);
    return outcome;
  }

  private powerLossDir(dir: DirNode, outcome: { filesDropped: number; filesReverted: number; tornWrites: number }): void {
    // Sorted so the PRNG draws do not depend on insertion order of names.
    for (const name of [...dir.children.keys()].sort()) {
      const entry = dir.children.get(name)!;
      if (entry.kind === "dir") {
        this.powerLossDir(entry, outcome);
      } else if (!entry.inode.linkDurable) {
        dir.children.delete(name);
        entry.inode.linked = false;
        outcome.filesDropped++;
      } else if (entry.inode.unsyncedOps > 0) {
        const result = entry.inode.powerLoss(this.random);
        if (result.lostOps > 0) outcome.filesReverted++;
        if (result.tornBytes > 0) outcome.tornWrites++;
      }
    }
  }

  private reserve(inode: Inode, endBytes: number): void {
    const growthBytes = Math.max(0, endBytes - inode.sizeBytes);
    // An unlinked inode (removed while open) no longer counts against capacity.
    if (!inode.linked || growthBytes === 0) return;
    if (growthBytes > this.freeBytes) {
      throw new DiskError("ENOSPC", `no space left: need ${growthBytes} bytes, ${this.freeBytes} free`);
    }
    this.usedBytes += growthBytes;
  }

  private traceOp(kind: TraceKindCode, a: number, b: number, payload?: Uint8Array): void {
    this.core.trace(kind, this.nodeIndex, a, b, payload);
  }
}

function unlinkTree(entry: Entry): void {
  if (entry.kind === "file") {
    entry.inode.linked = false;
    return;
  }
  for (const child of entry.children.values()) unlinkTree(child);
}

function treeSizeBytes(entry: Entry): number {
  if (entry.kind === "file") return entry.inode.sizeBytes;
  let total = 0;
  for (const child of entry.children.values()) total += treeSizeBytes(child);
  return total;
}
