// Real disk over node:fs. Reads and writes are synchronous pwrite/pread (page cache, like
// RocketMQ's mmap'd files); fsync runs on libuv's thread pool so the event loop keeps going.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Disk, DiskFile } from "../env.ts";
import { DiskError } from "../env.ts";
import { errorText } from "../../stdx/error_text.ts";

function toDiskError(error: unknown, what: string): DiskError {
  const code = (error as { code?: unknown }).code;
  const text = errorText(error);
  return new DiskError(typeof code === "string" ? code : "EIO", `${what}: ${text}`, { cause: error });
}

class RealDiskFile implements DiskFile {
  private fd: number;
  private size: number;

  constructor(readonly path: string, create: boolean) {
    try {
      this.fd = fs.openSync(path, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, 0o644);
      this.size = fs.fstatSync(this.fd).size;
    } catch (error) {
      throw toDiskError(error, `open ${path}`);
    }
  }

  sizeBytes(): number {
    return this.size;
  }

  write(position: number, data: Uint8Array): void {
    let written = 0;
    try {
      while (written < data.length) {
        written += fs.writeSync(this.fd, data, written, data.length - written, position + written);
      }
    } catch (error) {
      // A partial write (ENOSPC mid-way) is cut back so the file never holds half a write.
      if (written > 0 && position + written > this.size) {
        try {
          fs.ftruncateSync(this.fd, Math.max(this.size, position));
        } catch (truncateError) {
          throw toDiskError(truncateError, `undo partial write to ${this.path}`);
        }
      }
      throw toDiskError(error, `write ${this.path}`);
    }
    this.size = Math.max(this.size, position + data.length);
  }

  readInto(position: number, target: Uint8Array, targetOffset: number, lengthBytes: number): number {
    const available = Math.max(0, Math.min(lengthBytes, this.size - position));
    let done = 0;
    try {
      while (done < available) {
        const got = fs.readSync(this.fd, target, targetOffset + done, available - done, position + done);
        if (got === 0) break;
        done += got;
      }
    } catch (error) {
      throw toDiskError(error, `read ${this.path}`);
    }
    return done;
  }

  read(position: number, lengthBytes: number): Uint8Array {
    const available = Math.max(0, Math.min(lengthBytes, this.size - position));
    const buffer = Buffer.allocUnsafe(available);
    let done = 0;
    try {
      while (done < available) {
        const got = fs.readSync(this.fd, buffer, done, available - done, position + done);
        if (got === 0) break;
        done += got;
      }
    } catch (error) {
      throw toDiskError(error, `read ${this.path}`);
    }
    return done === available ? buffer : buffer.subarray(0, done);
  }

  truncate(sizeBytes: number): void {
    try {
      fs.ftruncateSync(this.fd, sizeBytes);
    } catch (error) {
      throw toDiskError(error, `truncate ${this.path}`);
    }
    this.size = sizeBytes;
  }

  fsync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.fd, (error) => (error ? reject(toDiskError(error, `fsync ${this.path}`)) : resolve()));
    });
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch (error) {
      throw toDiskError(error, `close ${this.path}`);
    }
  }
}

export class RealDisk implements Disk {
  open(filePath: string, options?: { create?: boolean }): DiskFile {
    return new RealDiskFile(filePath, options?.create ?? false);
  }

  exists(filePath: string): boolean {
    return fs.existsSync(filePath);
  }

  mkdirs(dirPath: string): void {
    try {
      fs.mkdirSync(dirPath, { recursive: true });
    } catch (error) {
      throw toDiskError(error, `mkdir ${dirPath}`);
    }
  }

  list(dirPath: string): string[] {
    try {
      return fs.readdirSync(dirPath).sort();
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return [];
      throw toDiskError(error, `list ${dirPath}`);
    }
  }

  remove(filePath: string): void {
    try {
      fs.rmSync(filePath, { recursive: true, force: true });
    } catch (error) {
      throw toDiskError(error, `remove ${filePath}`);
    }
  }

  rename(fromPath: string, toPath: string): void {
    try {
      fs.renameSync(fromPath, toPath);
    } catch (error) {
      throw toDiskError(error, `rename ${fromPath} -> ${toPath}`);
    }
  }

  readFile(filePath: string): Uint8Array | undefined {
    try {
      return fs.readFileSync(filePath);
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return undefined;
      throw toDiskError(error, `read ${filePath}`);
    }
  }

  async writeFileAtomic(filePath: string, data: Uint8Array): Promise<void> {
    const temporaryPath = `${filePath}.tmp`;
    try {
      const handle = await fs.promises.open(temporaryPath, "w", 0o644);
      try {
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(temporaryPath, filePath);
    } catch (error) {
      throw toDiskError(error, `atomic write ${filePath}`);
    }
  }

  space(filePath: string): { totalBytes: number; freeBytes: number } {
    let probe = filePath;
    while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
    try {
      const stats = fs.statfsSync(probe);
      return { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
    } catch (error) {
      throw toDiskError(error, `statfs ${probe}`);
    }
  }
}
