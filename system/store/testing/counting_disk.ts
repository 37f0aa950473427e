// A Disk wrapper that counts pwrite and pread calls per store area (commitlog, consumequeue,
// index, other), for tests that pin down how many syscalls a put costs and for the index bench
// (chaos/bench/index_bench.ts) on the real disk. It changes nothing it forwards.

import type { Disk, DiskFile } from "../../env/env.ts";

export type StoreArea = "commitlog" | "consumequeue" | "index" | "other";

export interface AreaCounts {
  writes: number;
  writtenBytes: number;
  reads: number;
}

function areaOf(path: string): StoreArea {
  for (const area of ["commitlog", "consumequeue", "index"] as const) if (path.includes(`/${area}/`)) return area;
  return "other";
}

export class CountingDisk implements Disk {
  readonly counts: Record<StoreArea, AreaCounts> = {
    commitlog: { writes: 0, writtenBytes: 0, reads: 0 },
    consumequeue: { writes: 0, writtenBytes: 0, reads: 0 },
    index: { writes: 0, writtenBytes: 0, reads: 0 },
    other: { writes: 0, writtenBytes: 0, reads: 0 },
  };

  constructor(private readonly inner: Disk) {}

  /** A copy of the counts of one area (take one before and one after what you measure). */
  snapshot(area: StoreArea): AreaCounts {
    return { ...this.counts[area] };
  }

  open(path: string, options?: { create?: boolean }): DiskFile {
    const file = this.inner.open(path, options);
    const counts = this.counts[areaOf(path)];
    return {
      path: file.path,
      sizeBytes: () => file.sizeBytes(),
      write: (position, data) => {
        counts.writes++;
        counts.writtenBytes += data.length;
        file.write(position, data);
      },
      read: (position, lengthBytes) => {
        counts.reads++;
        return file.read(position, lengthBytes);
      },
      readInto: (position, target, targetOffset, lengthBytes) => {
        counts.reads++;
        return file.readInto(position, target, targetOffset, lengthBytes);
      },
      truncate: (sizeBytes) => file.truncate(sizeBytes),
      fsync: () => file.fsync(),
      close: () => file.close(),
    };
  }

  exists(path: string): boolean { return this.inner.exists(path); }
  mkdirs(path: string): void { this.inner.mkdirs(path); }
  list(path: string): string[] { return this.inner.list(path); }
  remove(path: string): void { this.inner.remove(path); }
  rename(fromPath: string, toPath: string): void { this.inner.rename(fromPath, toPath); }
  readFile(path: string): Uint8Array | undefined { return this.inner.readFile(path); }
  writeFileAtomic(path: string, data: Uint8Array): Promise<void> { return this.inner.writeFileAtomic(path, data); }
  space(path: string): { totalBytes: number; freeBytes: number } { return this.inner.space(path); }
}
