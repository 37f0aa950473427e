// HAConnection [store/.../ha/HAConnection.java]: the master's side of one slave connection.
// Reads the slave's 8-byte offset reports (only the newest complete one counts); the first
// report fixes where transfer starts (0 → the start of the master's last commit-log segment),
// later ones are acks. Pushes [phyOffset][size][raw commit-log bytes] frames of at most
// haTransferBatchSize while the socket is not backed up; sends a size-0 header after
// haSendHeartbeatInterval without writes; closes after haHousekeepingInterval without reads.
//
// A slave AHEAD of this master (its first report > our max offset: an ASYNC replica, or any
// replica of a master that lost unflushed bytes in a power loss) is handled exactly as RocketMQ
// 4.9.7 does, which is not a repair:
//  - the first report is accepted as the transfer start and as an ack (so the HA service's
//    ack offset jumps to the slave's offset: SYNC_MASTER writes below it are acknowledged
//    without the slave having those bytes);
//  - nothing is sent until our own log grows past that offset; the slave keeps its bytes in
//    [our max, its offset), which differ from what we write there;
//  - a later report above our max closes the connection ("request offset greater than local
//    commitLog offset"); the slave reconnects and the cycle repeats until we pass it;
//  - once past, transfer resumes at the slave's offset, usually in the middle of one of our
//    records, so the slave's log is corrupt from that seam (its dispatch stops there).
// We log the divergence with both offsets so the lab can count what it costs.
import type { Connection, Env, Log, TimerHandle } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { PENDING_WRITE_BYTES_MAX, PUMP_RETRY_MS_MAX, PUMP_RETRY_MS_MIN, TRANSFER_HEADER_SIZE_BYTES } from "./ha_constants.ts";
import { encodeTransferHeader, HAFrameError, OffsetReportReader, writeTransferHeaderAt } from "./ha_frame.ts";
import type { HAStorePort } from "./ha_store_port.ts";
import { probe } from "../env/probe.ts";

export interface HAMasterConfig {
  haTransferBatchSize: number;
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
}

export interface HAConnectionHost {
  readonly env: Env;
  readonly log: Log;
  readonly store: HAStorePort;
  readonly config: HAMasterConfig;
  /** A slave acknowledged everything below offset (also the first report, as RocketMQ). */
  onAck(offset: number): void;
  /** The slave's first report was above our max offset. */
  onDiverged(slaveOffset: number, masterMaxOffset: number): void;
  onClosed(connection: HAConnection): void;
}

/** Where transfer starts for a slave's first report [WriteSocketService.run]. */
export function transferStartFor(slaveRequestOffset: number, masterMaxOffset: number, segmentSizeBytes: number): number {
  assert(slaveRequestOffset >= 0 && masterMaxOffset >= 0 && segmentSizeBytes > 0, "offsets are non-negative");
  if (slaveRequestOffset !== 0) return slaveRequestOffset;
  return masterMaxOffset - (masterMaxOffset % segmentSizeBytes);
}

export class HAConnection {
  readonly clientAddr: string;
  /** The slave's first report; -1 until it arrives. */
  slaveRequestOffset = -1;
  /** The slave's newest report; -1 until the first. */
  slaveAckOffset = -1;
  /** Next commit-log offset to push; -1 until the first report. */
  nextTransferFromWhere = -1;
  /** The first report was above our max offset (see the header). */
  diverged = false;
  bytesSent = 0;
  private readonly reader = new OffsetReportReader();
  private readonly log: Log;
  private lastReadMs: number;
  private lastWriteMs: number;
  private retryTimer: TimerHandle | undefined;
  private retryMs = PUMP_RETRY_MS_MIN;
  private closed = false;

  constructor(private readonly host: HAConnectionHost, private readonly connection: Connection) {
    this.clientAddr = connection.remoteAddress;
    this.log = host.log.child({ slave: this.clientAddr });
    this.lastReadMs = host.env.clock.monotonicMs();
    this.lastWriteMs = this.lastReadMs;
    connection.onData((chunk) => this.onData(chunk));
    connection.onClose((reason) => this.onClose(reason));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.lastReadMs = this.host.env.clock.monotonicMs();
    let report: number | undefined;
    try {
      report = this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof HAFrameError)) throw error;
      this.close(`bad offset report: ${error.message}`);
      return;
    }
    if (report !== undefined) this.onReport(report);
  }

  private onReport(offset: number): void {
    const masterMaxOffset = this.host.store.getMaxPhyOffset();
    this.slaveAckOffset = offset;
    if (this.slaveRequestOffset < 0) {
      this.slaveRequestOffset = offset;
      this.log.info("slave request offset", { slaveRequestOffset: offset, masterMaxOffset });
      if (offset > masterMaxOffset) {
        this.diverged = true;
        probe(this.host.env, "ha.master.divergence");
        this.log.warn("HA DIVERGENCE: the slave has more commit log than this master (master lost unflushed bytes, or the slave replicated another master); " +
          "as RocketMQ 4.9.7, transfer starts at the slave's offset once this master's log grows past it, and the bytes in between differ", {
          slaveOffset: offset, masterMaxOffset, aheadBytes: offset - masterMaxOffset,
        });
        this.host.onDiverged(offset, masterMaxOffset);
      }
    } else if (offset > masterMaxOffset) {
      probe(this.host.env, "ha.master.slave-ahead-closed");
      this.log.warn("slave request offset greater than local commitLog offset; closing", { slaveOffset: offset, masterMaxOffset });
      this.close("slave ahead of master");
      return;
    }
    this.host.onAck(offset);
    this.pump();
  }

  /** Pushes what the log has beyond nextTransferFromWhere, while the socket keeps up. */
  pump(): void {
    if (this.closed || this.slaveRequestOffset < 0) return;
    const { store, config } = this.host;
    if (this.nextTransferFromWhere < 0) {
      this.nextTransferFromWhere = transferStartFor(this.slaveRequestOffset, store.getMaxPhyOffset(), store.segmentSizeBytes);
      probe(this.host.env, "ha.master.catch-up-start");
      this.log.info("master transfer data to slave", { from: this.nextTransferFromWhere, slaveRequestOffset: this.slaveRequestOffset });
    }
    // Caught up (every ack and every tick lands here): nothing to read.
    if (this.nextTransferFromWhere >= store.getMaxPhyOffset()) {
      this.retryMs = PUMP_RETRY_MS_MIN;
      return;
    }
    let wrote = false;
    while (this.connection.pendingWriteBytes() < PENDING_WRITE_BYTES_MAX) {
      // The body is read straight into the frame, after room for its header.
      const frame = store.getCommitLogFrame(this.nextTransferFromWhere, config.haTransferBatchSize, TRANSFER_HEADER_SIZE_BYTES);
      const bodySizeBytes = frame === undefined ? 0 : frame.length - TRANSFER_HEADER_SIZE_BYTES;
      if (frame === undefined || bodySizeBytes <= 0) {
        this.retryMs = PUMP_RETRY_MS_MIN;
        return;
      }
      assert(bodySizeBytes <= config.haTransferBatchSize, "a frame body is at most one batch");
      writeTransferHeaderAt(frame, this.nextTransferFromWhere, bodySizeBytes);
      if (!this.write(frame)) return;
      this.nextTransferFromWhere += bodySizeBytes;
      this.bytesSent += bodySizeBytes;
      wrote = true;
    }
    // Backed up: retry soon; quickly while the socket drains, backing off while it does not.
    if (wrote) this.retryMs = PUMP_RETRY_MS_MIN;
    probe(this.host.env, "ha.master.backpressure");
    this.scheduleRetry();
  }

  /** Heartbeat, housekeeping and polling for new data; called by the service's tick. */
  tick(nowMs: number): void {
    if (this.closed) return;
    if (nowMs - this.lastReadMs > this.host.config.haHousekeepingInterval) {
      probe(this.host.env, "ha.master.housekeeping-expired");
      this.log.warn("ha housekeeping: slave connection expired", { silentMs: nowMs - this.lastReadMs });
      this.close("housekeeping");
      return;
    }
    this.pump();
    if (this.slaveRequestOffset >= 0 && nowMs - this.lastWriteMs > this.host.config.haSendHeartbeatInterval) {
      this.write(encodeTransferHeader(Math.max(0, this.nextTransferFromWhere), 0));
    }
  }

  close(reason: string): void {
    if (this.closed) return;
    this.log.info("closing slave connection", { reason, slaveAckOffset: this.slaveAckOffset });
    this.connection.destroy();
    this.onClose(undefined);
  }

  private write(bytes: Uint8Array): boolean {
    this.lastWriteMs = this.host.env.clock.monotonicMs();
    if (this.connection.write(bytes)) return true;
    this.onClose(undefined);
    return false;
  }

  /** Back-pressure: try again soon, backing off up to PUMP_RETRY_MS_MAX (below the poll). */
  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    const delayMs = this.retryMs;
    this.retryMs = Math.min(PUMP_RETRY_MS_MAX, this.retryMs * 2);
    this.retryTimer = this.host.env.timers.setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delayMs);
  }

  private onClose(reason: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.host.env.timers.clear(this.retryTimer);
    this.retryTimer = undefined;
    if (reason !== undefined) this.log.info("slave connection closed", { error: reason.message });
    this.host.onClosed(this);
  }
}
