// An in-memory Disk for store tests (and anything else that wants a fast, inspectable disk).
// Two layers per file, like the simulator's disk: `data` is what was written (page cache) and
// `durable` is what the last fsync covered. powerLoss() drops everything not fsynced.
// Faults: a capacity limit (writes beyond it throw DiskError ENOSPC after writing what fits,
// like a real short write) and a hook that runs inside every fsync (to count or delay them).

import { DiskError } from "../../env/env.ts";
import type { Disk, DiskFile } from "../../env/env.ts";

interface MemoryFileState {
  data: Uint8Array;
  size: number;
  durable: Uint8Array;
}

export interface MemoryDiskOptions {
  /** Total capacity; writes that would grow usage beyond it fail with ENOSPC. */
  capacityBytes?: number;
  /** Awaited inside each fsync (before the data becomes durable). */
  onFsync?: (path: string) => Promise<void>;
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.substring(0, cut);
}

export class MemoryDisk implements Disk {
  readonly files = new Map<string, MemoryFileState>();
  readonly dirs = new Set<string>(["/"]);
  capacityBytes: number;
  fsyncCount = 0;
  onFsync: ((path: string) => Promise<void>) | undefined;

  constructor(options: MemoryDiskOptions = {}) {
    this.capacityBytes = options.capacityBytes ?? 2 ** 40;
    this.onFsync = options.onFsync;
  }

  usedBytes(): number {
    let used = 0;
    for (const state of this.files.values()) used += state.size;
    return used;
  }

  open(path: string, options?: { create?: boolean }): DiskFile {
    let state = this.files.get(path);
    if (state === undefined) {
      if (options?.create !== true) throw new DiskError("ENOENT", `no such file ${path}`);
      if (!this.dirs.has(parentOf(path))) throw new DiskError("ENOENT", `no parent dir for ${path}`);
      state = { data: new Uint8Array(0), size: 0, durable: new Uint8Array(0) };
      this.files.set(path, state);
    }
    return new MemoryFile(this, path, state);
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }

  mkdirs(path: string): void {
    for (let dir = path; dir !== "/" && dir !== ""; dir = parentOf(dir)) this.dirs.add(dir);
  }

  list(path: string): string[] {
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const names = new Set<string>();
    for (const name of [...this.files.keys(), ...this.dirs]) {
      if (name.startsWith(prefix) && name.length > prefix.length) names.add(name.substring(prefix.length).split("/")[0]!);
    }
    return [...names].sort();
  }

  remove(path: string): void {
    this.files.delete(path);
    this.dirs.delete(path);
    const prefix = `${path}/`;
    for (const name of [...this.files.keys()]) if (name.startsWith(prefix)) this.files.delete(name);
    for (const name of [...this.dirs]) if (name.startsWith(prefix)) this.dirs.delete(name);
  }

  rename(fromPath: string, toPath: string): void {
    const state = this.files.get(fromPath);
    if (state === undefined) throw new DiskError("ENOENT", `no such file ${fromPath}`);
    this.files.delete(fromPath);
    this.files.set(toPath, state);
  }

  readFile(path: string): Uint8Array | undefined {
    const state = this.files.get(path);
    return state === undefined ? undefined : state.data.slice(0, state.size);
  }

  async writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
    const file = this.open(`${path}.tmp`, { create: true });
    file.truncate(0);
    file.write(0, data);
    await file.fsync();
    this.rename(`${path}.tmp`, path);
  }

  space(_path: string): { totalBytes: number; freeBytes: number } {
    return { totalBytes: this.capacityBytes, freeBytes: Math.max(0, this.capacityBytes - this.usedBytes()) };
  }

  /** Power loss: every file reverts to its last fsynced content. */
  powerLoss(): void {
    for (const state of this.files.values()) {
      state.data = state.durable.slice();
      state.size = state.durable.length;
    }
  }
}

class MemoryFile implements DiskFile {
  constructor(private readonly disk: MemoryDisk, readonly path: string, private readonly state: MemoryFileState) {}

  sizeBytes(): number {
    return this.state.size;
  }

  write(position: number, data: Uint8Array): void {
    const state = this.state;
    const growth = Math.max(0, position + data.length - state.size);
    const free = this.disk.capacityBytes - this.disk.usedBytes();
    let toWrite = data;
    if (growth > free) {
      const fits = Math.max(0, state.size + free - position);
      toWrite = data.subarray(0, Math.min(fits, data.length));
    }
    const end = position + toWrite.length;
    if (end > state.data.length) {
      const grown = new Uint8Array(Math.max(end, state.data.length * 2, 4096));
      grown.set(state.data.subarray(0, state.size));
      state.data = grown;
    }
    state.data.set(toWrite, position);
    state.size = Math.max(state.size, end);
    if (toWrite.length < data.length) throw new DiskError("ENOSPC", `no space left writing ${this.path}`);
  }

  readInto(position: number, target: Uint8Array, targetOffset: number, lengthBytes: number): number {
    const end = Math.min(this.state.size, position + lengthBytes);
    if (position >= end) return 0;
    target.set(this.state.data.subarray(position, end), targetOffset);
    return end - position;
  }

  read(position: number, lengthBytes: number): Uint8Array {
    const end = Math.min(this.state.size, position + lengthBytes);
    return position >= end ? new Uint8Array(0) : this.state.data.slice(position, end);
  }

  truncate(sizeBytes: number): void {
    if (sizeBytes < this.state.size) this.state.data.fill(0, sizeBytes, this.state.size);
    else if (sizeBytes > this.state.data.length) this.write(this.state.size, new Uint8Array(sizeBytes - this.state.size));
    this.state.size = sizeBytes;
  }

  async fsync(): Promise<void> {
    this.disk.fsyncCount++;
    const snapshot = this.state.data.slice(0, this.state.size);
    if (this.disk.onFsync !== undefined) await this.disk.onFsync(this.path);
    this.state.durable = snapshot;
  }

  close(): void {}
}
