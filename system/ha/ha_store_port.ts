// What replication needs from the message store (DefaultMessageStore has all of it): the
// master reads raw commit-log bytes, the slave appends them at its own end. A narrow port so
// the HA services can be tested over a fake log and the store never learns about sockets.
import type { DefaultMessageStore } from "../store/message_store.ts";

export interface HAStorePort {
  getMaxPhyOffset(): number;
  /**
   * Raw bytes from offset to the end of its segment's data, at most maxBytes, placed after
   * headroomBytes free bytes (the master writes its frame header there); undefined when none.
   */
  getCommitLogFrame(offset: number, maxBytes: number, headroomBytes: number): Uint8Array | undefined;
  /** Appends at startOffset (= own max offset, or a segment start when empty); false if refused. */
  appendToCommitLog(startOffset: number, bytes: Uint8Array): boolean;
  /** Commit-log segment size: a slave that reports 0 gets the master's last segment onwards. */
  readonly segmentSizeBytes: number;
  /**
   * Where the next undispatched record starts (a record boundary; = max offset when the tail is
   * complete). Only the slaveCorruptsReplica test fault uses it; absent in fakes.
   */
  recordBoundary?(): number;
}

export function haStorePortOf(store: DefaultMessageStore): HAStorePort {
  return {
    getMaxPhyOffset: () => store.getMaxPhyOffset(),
    getCommitLogFrame: (offset, maxBytes, headroomBytes) => store.commitLog.readDataWithHeadroom(offset, maxBytes, headroomBytes),
    appendToCommitLog: (startOffset, bytes) => store.appendToCommitLog(startOffset, bytes),
    segmentSizeBytes: store.config.mappedFileSizeCommitLog,
    recordBoundary: () => store.dispatcher.reputFromOffset,
  };
}
