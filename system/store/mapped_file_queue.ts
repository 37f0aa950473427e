// An ordered run of equal-size segments in one directory (RocketMQ's MappedFileQueue):
// commit log, one consume queue, ... Segment i starts at first.fileFromOffset + i·fileSize.
//
// Invariants: segments are contiguous and sorted; every segment but the last is full
// (wrotePosition == fileSize) once recovery has run; maxOffset = last start + last wrote.

import type { Disk } from "../env/env.ts";
import type { Log } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { MappedFile } from "./mapped_file.ts";

export class MappedFileQueue {
  files: MappedFile[] = [];
  /** load() found a gap and dropped the segments after it (dropFromGap). */
  cutAtGap = false;

  constructor(private readonly disk: Disk, readonly storePath: string, readonly mappedFileSize: number, private readonly log: Log) {}

  /**
   * Opens existing segments as full; recovery fixes the positions. False on a bad directory. A
   * gap between segments (a power loss dropped a segment whose creation never reached the disk)
   * fails the load, unless `dropFromGap` (derived data the store rebuilds: consume queues): then
   * the segments from the gap on are deleted and `cutAtGap` is set.
   */
  load(options: { dropFromGap?: boolean } = {}): boolean {
    const names = this.disk.list(this.storePath).filter((name) => /^\d{20}$/.test(name));
    for (const [position, name] of names.entries()) {
      const offset = Number(name);
      const previous = this.files.at(-1);
      if (previous !== undefined && previous.fileFromOffset + this.mappedFileSize !== offset) {
        const expected = previous.fileFromOffset + this.mappedFileSize;
        if (options.dropFromGap !== true) {
          this.log.error("segment gap", { dir: this.storePath, name, expected });
          return false;
        }
        const dropped = names.slice(position);
        this.log.warn("segment gap: dropping the segments after it, to be rebuilt", { dir: this.storePath, expected, dropped });
        for (const orphan of dropped) this.disk.remove(`${this.storePath}/${orphan}`);
        this.cutAtGap = true;
        return true;
      }
      const file = new MappedFile(this.disk, this.storePath, offset, this.mappedFileSize, false);
      if (file.physicalSize() > this.mappedFileSize) {
        this.log.error("segment larger than its logical size", { path: file.path, size: file.physicalSize() });
        file.close();
        return false;
      }
      file.wrotePosition = this.mappedFileSize;
      file.flushedPosition = this.mappedFileSize;
      this.files.push(file);
    }
    return true;
  }

  first(): MappedFile | undefined {
    return this.files[0];
  }

  last(): MappedFile | undefined {
    return this.files.at(-1);
  }

  /** Creates a segment starting at `startOffset` (must continue the queue). Throws DiskError. */
  createFile(startOffset: number): MappedFile {
    const last = this.last();
    if (last !== undefined) assert(startOffset === last.fileFromOffset + this.mappedFileSize, "new segment continues the queue");
    assert(startOffset % this.mappedFileSize === 0, "segment start is aligned");
    this.disk.mkdirs(this.storePath);
    const file = new MappedFile(this.disk, this.storePath, startOffset, this.mappedFileSize, true);
    this.files.push(file);
    return file;
  }

  /** The last segment if it has room, else a new one (starting at `startOffset` when empty). */
  lastWritable(startOffsetWhenEmpty: number): MappedFile {
    const last = this.last();
    if (last === undefined) return this.createFile(startOffsetWhenEmpty - (startOffsetWhenEmpty % this.mappedFileSize));
    if (!last.isFull()) return last;
    return this.createFile(last.fileFromOffset + this.mappedFileSize);
  }

  minOffset(): number {
    return this.first()?.fileFromOffset ?? 0;
  }

  maxOffset(): number {
    const last = this.last();
    return last === undefined ? 0 : last.fileFromOffset + last.wrotePosition;
  }

  flushedOffset(): number {
    let flushed = this.minOffset();
    for (const file of this.files) {
      flushed = file.fileFromOffset + file.flushedPosition;
      if (file.flushedPosition < file.fileSize) break;
    }
    return flushed;
  }

  findByOffset(offset: number): MappedFile | undefined {
    const first = this.first();
    if (first === undefined || offset < first.fileFromOffset) return undefined;
    const file = this.files[Math.floor((offset - first.fileFromOffset) / this.mappedFileSize)];
    if (file !== undefined) assert(offset >= file.fileFromOffset && offset < file.fileFromOffset + file.fileSize, "index math");
    return file;
  }

  /** fsyncs every segment that isAbleToFlush(leastPages); true when something was flushed. */
  async flush(leastPages: number): Promise<boolean> {
    const dirty = this.files.filter((file) => file.isAbleToFlush(leastPages));
    await Promise.all(dirty.map((file) => file.flush()));
    return dirty.length > 0;
  }

  /** Cuts everything at and after `offset`: truncates its segment, destroys later ones. */
  truncateDirtyFiles(offset: number): void {
    const keep: MappedFile[] = [];
    for (const file of this.files) {
      const end = file.fileFromOffset + this.mappedFileSize;
      if (end <= offset) {
        keep.push(file);
      } else if (file.fileFromOffset <= offset && !(offset === file.fileFromOffset && keep.length > 0)) {
        file.truncateTo(offset - file.fileFromOffset);
        keep.push(file);
      } else {
        file.destroy(this.disk);
      }
    }
    this.files = keep;
  }

  /** Destroys the first `count` segments. */
  deleteFirst(count: number): MappedFile[] {
    const removed = this.files.splice(0, count);
    for (const file of removed) file.destroy(this.disk);
    return removed;
  }

  /** Destroys every segment and the directory. */
  destroyAll(): void {
    for (const file of this.files) file.destroy(this.disk);
    this.files = [];
    this.disk.remove(this.storePath);
  }

  close(): void {
    for (const file of this.files) file.close();
  }
}
