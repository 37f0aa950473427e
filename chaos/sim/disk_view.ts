// The Env's Disk for one node incarnation, over the machine's SimDisk.
//
// A dead incarnation (crashed process, whose continuations might still run) gets a disk
// that does nothing observable: writes and truncates are dropped, reads still see the
// page cache, and fsync never settles. Its handles die with it. fsync completion is
// posted to the node's thread, so a paused node sees it only on resume.
import type { Disk, DiskFile } from "../../system/env/index.ts";
import { DiskError } from "../../system/env/index.ts";
import { assert } from "../../system/stdx/index.ts";
import type { NodeThread } from "./core.ts";
import type { Inode } from "./disk_file.ts";
import { normalizePath, type SimDisk } from "./disk.ts";

const never: Promise<void> = new Promise<void>(() => {});

class SimDiskFile implements DiskFile {
  private closed = false;
  constructor(
    readonly path: string,
    private readonly inode: Inode,
    private readonly disk: SimDisk,
    private readonly thread: NodeThread,
  ) {}

  sizeBytes(): number {
    this.checkOpen();
    return this.inode.sizeBytes;
  }

  write(position: number, data: Uint8Array): void {
    this.checkOpen();
    if (!this.thread.alive()) return;
    this.disk.write(this.inode, position, data);
  }

  read(position: number, lengthBytes: number): Uint8Array {
    this.checkOpen();
    return this.inode.content.read(position, lengthBytes);
  }

  readInto(position: number, target: Uint8Array, targetOffset: number, lengthBytes: number): number {
    this.checkOpen();
    return this.inode.content.readInto(position, target, targetOffset, lengthBytes);
  }

  truncate(sizeBytes: number): void {
    this.checkOpen();
    if (!this.thread.alive()) return;
    this.disk.truncate(this.inode, sizeBytes);
  }

  fsync(): Promise<void> {
    this.checkOpen();
    if (!this.thread.alive()) return never;
    return new Promise<void>((resolve, reject) => {
      this.disk.fsync(this.inode, (error) => this.thread.post(() => (error === undefined ? resolve() : reject(error))));
    });
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new DiskError("EBADF", `${this.path} is closed`);
  }
}

export class SimDiskView implements Disk {
  constructor(
    private readonly disk: SimDisk,
    private readonly thread: NodeThread,
  ) {}

  open(path: string, options?: { create?: boolean }): DiskFile {
    const create = options?.create === true && this.thread.alive();
    const inode = this.disk.openInode(path, create);
    return new SimDiskFile(normalizePath(path), inode, this.disk, this.thread);
  }

  exists(path: string): boolean {
    return this.disk.lookup(path) !== undefined;
  }

  mkdirs(path: string): void {
    if (!this.thread.alive()) return;
    this.disk.mkdirs(path);
  }

  list(path: string): string[] {
    const entry = this.disk.lookup(path);
    if (entry?.kind !== "dir") return [];
    return [...entry.children.keys()].sort();
  }

  remove(path: string): void {
    if (!this.thread.alive()) return;
    this.disk.remove(path);
  }

  rename(fromPath: string, toPath: string): void {
    if (!this.thread.alive()) return;
    this.disk.rename(fromPath, toPath);
  }

  readFile(path: string): Uint8Array | undefined {
    const entry = this.disk.lookup(path);
    if (entry === undefined) return undefined;
    if (entry.kind === "dir") throw new DiskError("EISDIR", `${path} is a directory`);
    return entry.inode.content.read(0, entry.inode.sizeBytes);
  }

  async writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
    const target = normalizePath(path);
    assert(target !== "/", "writeFileAtomic needs a file path");
    const tmpPath = `${target}.tmp`;
    const file = this.open(tmpPath, { create: true });
    try {
      file.truncate(0);
      file.write(0, data);
      await file.fsync();
    } finally {
      file.close();
    }
    this.rename(tmpPath, target);
  }

  space(_path: string): { totalBytes: number; freeBytes: number } {
    return { totalBytes: this.disk.capacityBytes, freeBytes: this.disk.freeBytes };
  }
}
