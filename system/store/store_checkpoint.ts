// The checkpoint file (RocketMQ's StoreCheckpoint): physicMsgTimestamp, logicsMsgTimestamp,
// indexMsgTimestamp as big-endian longs at 0/8/16 (Java's layout), then mqlab's extension:
// the commit-log offsets those flushes covered (physic 24, logics 32, index 40). Recovery uses
// the offsets (immune to clock skew); a Java-written file (no offsets) means "scan everything".
// Written atomically (tmp + fsync + rename), so a crash leaves the old or the new one.

import type { Disk } from "../env/env.ts";

const CHECKPOINT_SIZE = 48;

export class StoreCheckpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
  /** Everything below this commit-log offset was fsynced. */
  physicOffset = 0;
  /** Every record below this offset has fsynced consume-queue units. */
  logicsOffset = 0;
  /**
   * Every record below this offset has its index entries, slots and header fsynced: the
   * dispatch offset when the index last persisted them (IndexService.load trusts index files
   * ending below it and drops the rest).
   */
  indexOffset = 0;

  constructor(private readonly disk: Disk, private readonly path: string) {}

  load(): void {
    const bytes = this.disk.readFile(this.path);
    if (bytes === undefined || bytes.length < 24) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const long = (at: number): number => (bytes.length >= at + 8 ? Number(view.getBigInt64(at, false)) : 0);
    this.physicMsgTimestamp = long(0);
    this.logicsMsgTimestamp = long(8);
    this.indexMsgTimestamp = long(16);
    this.physicOffset = long(24);
    this.logicsOffset = long(32);
    this.indexOffset = long(40);
  }

  /** Lowest commit-log offset whose dispatch or flush the checkpoint does not vouch for. */
  minOffset(): number {
    return Math.min(this.physicOffset, this.logicsOffset, this.indexOffset);
  }

  encode(): Uint8Array {
    const bytes = new Uint8Array(CHECKPOINT_SIZE);
    const view = new DataView(bytes.buffer);
    const values = [this.physicMsgTimestamp, this.logicsMsgTimestamp, this.indexMsgTimestamp,
      this.physicOffset, this.logicsOffset, this.indexOffset];
    values.forEach((value, index) => view.setBigInt64(index * 8, BigInt(value), false));
    return bytes;
  }

  async flush(): Promise<void> {
    await this.disk.writeFileAtomic(this.path, this.encode());
  }
}
