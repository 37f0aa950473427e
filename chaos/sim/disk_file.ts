// One simulated inode: page-cache content (what reads see) plus an undo journal of the
// writes and truncates not yet made durable by fsync.
//
// Why an undo journal instead of a second "durable" copy: a broker mostly appends, and an
// append's undo record is just the old size, so unsynced data costs no extra memory. The
// durable content is, by definition, the page cache with every journal op undone. A power
// loss keeps a PRNG-chosen prefix of the journal (in order), may tear the first op it drops
// (a random byte prefix of that write survives), and undoes the rest, newest first.
import { assert } from "../../system/stdx/index.ts";
import { ByteStore } from "./byte_store.ts";
import type { SimRandom } from "./random.ts";

interface UndoRecord {
  /** Journal sequence number: fsync makes every op with seq < mark durable. */
  readonly seq: number;
  /** Size before the op. */
  readonly oldSizeBytes: number;
  /** Where the op started, and its new bytes' length (writes); truncates use size only. */
  readonly position: number;
  readonly lengthBytes: number;
  /** Old bytes the op overwrote or cut off, at `position` (empty for a pure append). */
  readonly oldBytes: Uint8Array;
  readonly isWrite: boolean;
}

/** What a power loss did to one file, for the trace and for tests. */
export interface PowerLossOutcome {
  keptOps: number;
  lostOps: number;
  tornBytes: number;
}

export class Inode {
  readonly content = new ByteStore();
  private journal: UndoRecord[] = [];
  private journalSeqNext = 0;
  /** False until the file was fsynced or renamed: a power loss then drops it entirely. */
  linkDurable = false;
  /** False once removed or replaced: an open handle still works, but it uses no space. */
  linked = true;

  constructor(readonly inodeId: number) {}

  get sizeBytes(): number {
    return this.content.sizeBytes;
  }

  /** Ops not yet durable. */
  get unsyncedOps(): number {
    return this.journal.length;
  }

  write(position: number, data: Uint8Array): void {
    const oldSizeBytes = this.content.sizeBytes;
    const oldBytes = this.content.read(position, data.length);
    this.journal.push({ seq: this.journalSeqNext++, oldSizeBytes, position, lengthBytes: data.length, oldBytes, isWrite: true });
    this.content.write(position, data);
  }

  truncate(sizeBytes: number): void {
    const oldSizeBytes = this.content.sizeBytes;
    const oldBytes = this.content.read(sizeBytes, Math.max(0, oldSizeBytes - sizeBytes));
    this.journal.push({ seq: this.journalSeqNext++, oldSizeBytes, position: sizeBytes, lengthBytes: 0, oldBytes, isWrite: false });
    this.content.truncate(sizeBytes);
  }

  /** The journal position an fsync issued now must make durable. */
  fsyncMark(): number {
    return this.journalSeqNext;
  }

  /** An fsync issued at `mark` completed: every op before it is durable. */
  makeDurable(mark: number): void {
    let drop = 0;
    while (drop < this.journal.length && this.journal[drop]!.seq < mark) drop++;
    if (drop > 0) this.journal = this.journal.slice(drop);
    this.linkDurable = true;
  }

  /** Reverts to durable content plus a random in-order prefix of unsynced ops, maybe torn. */
  powerLoss(random: SimRandom): PowerLossOutcome {
    const journal = this.journal;
    const keptOps = random.intBetween(0, journal.length);
    let tornBytes = 0;
    for (let index = journal.length - 1; index >= keptOps; index--) {
      const record = journal[index]!;
      const tear = index === keptOps && record.isWrite && record.lengthBytes > 1 && random.chance(1, 2);
      const survivor = tear ? this.content.read(record.position, random.intBetween(1, record.lengthBytes - 1)) : undefined;
      this.undo(record);
      if (survivor !== undefined) {
        this.content.write(record.position, survivor);
        tornBytes = survivor.length;
      }
    }
    this.journal = [];
    return { keptOps, lostOps: journal.length - keptOps, tornBytes };
  }

  private undo(record: UndoRecord): void {
    if (record.isWrite) {
      this.content.write(record.position, record.oldBytes);
      if (record.oldSizeBytes < this.content.sizeBytes) this.content.truncate(record.oldSizeBytes);
    } else {
      this.content.truncate(record.oldSizeBytes);
      this.content.write(record.position, record.oldBytes);
    }
    assert(this.content.sizeBytes === record.oldSizeBytes, "undo must restore the old size");
  }
}
