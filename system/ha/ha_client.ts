// HAClient, slave side [store/.../ha/HAService.java HAClient]: connects to the master's HA
// address, reports its max commit-log offset on connect, after every append and every
// haSendHeartbeatInterval, and appends each pushed frame whose offset equals its own max offset
// (an empty slave accepts any offset: the master chose its last segment). A frame at any other
// offset, a refused append or a bad frame closes the connection; so does haHousekeepingInterval
// without a byte from the master (its heartbeats come every haSendHeartbeatInterval). Closed or
// refused connections are retried with backoff (1 s doubling to RocketMQ's 5 s).
// appendToCommitLog dispatches the new records into the slave's own ConsumeQueue and IndexFile.
// Deviation: RocketMQ 4.9.7 sends the first report only after one heartbeat interval; we send
// it at once (remoting-protocol.md (g)), so replication starts right after connecting.
import type { Connection, Env, Log, TimerHandle } from "../env/env.ts";
import { NetError } from "../env/env.ts";
import { RemotingConnectError } from "../remoting/remoting_errors.ts";
import { parseAddress } from "../remoting/remoting_client.ts";
import { assert } from "../stdx/assert.ts";
import { CONNECT_TIMEOUT_MS, RECONNECT_MS_MAX, RECONNECT_MS_MIN, TICK_MS_MAX } from "./ha_constants.ts";
import { encodeOffsetReport, HAFrameError, TransferFrameDecoder } from "./ha_frame.ts";
import type { TransferFrame } from "./ha_frame.ts";
import type { HAStorePort } from "./ha_store_port.ts";
import { noHATestFaults } from "./test_faults.ts";
import type { HATestFaultsSource } from "./test_faults.ts";
import { MESSAGE_MAGIC_CODE } from "../message/message_const.ts";
import { probe } from "../env/probe.ts";

export interface HAClientConfig {
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
}

export interface HAClientStats {
  connects: number;
  framesApplied: number;
  bytesApplied: number;
  /** Frames whose offset was not our max offset (connection closed each time). */
  offsetMismatches: number;
}

export class HAClient {
  readonly log: Log;
  readonly stats: HAClientStats = { connects: 0, framesApplied: 0, bytesApplied: 0, offsetMismatches: 0 };
  private masterAddress: string | undefined;
  private connection: Connection | undefined;
  private connecting = false;
  private decoder = new TransferFrameDecoder();
  private currentReportedOffset = 0;
  private lastReadMs = 0;
  private lastWriteMs = 0;
  private nextConnectAtMs = 0;
  private backoffMs = RECONNECT_MS_MIN;
  private tickTimer: TimerHandle | undefined;
  private stopped = false;
  /** Frames seen that start on a record boundary (the slaveCorruptsReplica test fault counts them). */
  private boundaryFrames = 0;

  constructor(
    private readonly env: Env, log: Log, private readonly store: HAStorePort, private readonly config: HAClientConfig,
    private readonly testFaults: HATestFaultsSource = noHATestFaults,
  ) {
    assert(config.haSendHeartbeatInterval > 0 && config.haHousekeepingInterval > 0, "HA intervals are positive");
    this.log = log.child({ component: "ha-client" });
  }

  get master(): string | undefined {
    return this.masterAddress;
  }

  get isConnected(): boolean {
    return this.connection !== undefined;
  }

  /** HAClient.updateMasterAddress: a new address drops the current connection. */
  updateMasterAddress(addr: string | undefined): void {
    if (addr === undefined || addr === this.masterAddress) return;
    this.log.info("update master address", { old: this.masterAddress, new: addr });
    this.masterAddress = addr;
    this.closeMaster("master address changed");
    this.nextConnectAtMs = 0;
    if (this.tickTimer !== undefined) this.tick();
  }

  start(): void {
    assert(this.tickTimer === undefined, "start once");
    const tickMs = Math.max(1, Math.min(TICK_MS_MAX, Math.floor(Math.min(this.config.haSendHeartbeatInterval, this.config.haHousekeepingInterval) / 4)));
    this.tickTimer = this.env.timers.setInterval(() => this.tick(), tickMs);
    this.tick();
  }

  shutdown(): void {
    this.stopped = true;
    this.env.timers.clear(this.tickTimer);
    this.tickTimer = undefined;
    this.closeMaster("shutdown");
  }

  private tick(): void {
    if (this.stopped) return;
    const nowMs = this.env.clock.monotonicMs();
    if (this.connection === undefined) {
      if (!this.connecting && this.masterAddress !== undefined && nowMs >= this.nextConnectAtMs) void this.connectMaster(this.masterAddress);
      return;
    }
    if (nowMs - this.lastReadMs > this.config.haHousekeepingInterval) {
      probe(this.env, "ha.slave.master-silent");
      this.log.warn("HAClient housekeeping: master silent, closing", { master: this.masterAddress, silentMs: nowMs - this.lastReadMs });
      this.closeMaster("housekeeping");
      return;
    }
    if (nowMs - this.lastWriteMs > this.config.haSendHeartbeatInterval) this.report(this.currentReportedOffset);
  }

  private async connectMaster(addr: string): Promise<void> {
    this.connecting = true;
    let connection: Connection;
    try {
      const { host, port } = parseAddress(addr);
      connection = await this.env.net.connect(host, port, { timeoutMs: CONNECT_TIMEOUT_MS });
    } catch (error) {
      this.connecting = false;
      if (!(error instanceof NetError) && !(error instanceof RemotingConnectError)) throw error;
      probe(this.env, "ha.slave.connect-failed");
      this.retryLater(`connect to master ${addr} failed: ${error.message}`);
      return;
    }
    this.connecting = false;
    if (this.stopped || addr !== this.masterAddress) {
      connection.destroy();
      return;
    }
    this.connection = connection;
    this.decoder = new TransferFrameDecoder();
    this.stats.connects += 1;
    probe(this.env, this.stats.connects > 1 ? "ha.slave.reconnect" : "ha.slave.connected");
    this.backoffMs = RECONNECT_MS_MIN;
    this.lastReadMs = this.env.clock.monotonicMs();
    connection.onData((chunk) => this.onData(connection, chunk));
    connection.onClose((reason) => {
      if (this.connection !== connection) return;
      this.connection = undefined;
      this.retryLater(`master connection closed${reason === undefined ? "" : `: ${reason.message}`}`);
    });
    this.currentReportedOffset = this.store.getMaxPhyOffset();
    this.log.info("connected to master", { master: addr, reportedOffset: this.currentReportedOffset });
    this.report(this.currentReportedOffset);
  }

  private onData(connection: Connection, chunk: Uint8Array): void {
    if (this.connection !== connection) return;
    this.lastReadMs = this.env.clock.monotonicMs();
    try {
      this.decoder.push(chunk, (frame) => this.apply(frame));
    } catch (error) {
      if (!(error instanceof HAFrameError)) throw error;
      this.log.error("bad frame from master", { error: error.message });
      this.closeMaster("bad frame");
    }
  }

  /** One frame: append if it continues our log, then report; false closes the connection. */
  private apply(frame: TransferFrame): boolean {
    const slavePhyOffset = this.store.getMaxPhyOffset();
    if (slavePhyOffset !== 0 && slavePhyOffset !== frame.phyOffset) {
      this.stats.offsetMismatches += 1;
      probe(this.env, "ha.slave.offset-mismatch");
      this.log.error("master pushed offset not equal the max phy offset in slave", { slave: slavePhyOffset, master: frame.phyOffset });
      this.closeMaster("offset mismatch");
      return false;
    }
    if (frame.body.length > 0) {
      if (!this.store.appendToCommitLog(frame.phyOffset, this.maybeCorrupt(frame))) {
        probe(this.env, "ha.slave.append-refused");
        this.log.error("appendToCommitLog refused the master's bytes", { offset: frame.phyOffset, sizeBytes: frame.body.length, slaveMaxOffset: slavePhyOffset });
        this.closeMaster("append refused");
        return false;
      }
      this.stats.framesApplied += 1;
      this.stats.bytesApplied += frame.body.length;
    }
    const maxOffset = this.store.getMaxPhyOffset();
    if (maxOffset > this.currentReportedOffset) {
      this.currentReportedOffset = maxOffset;
      this.report(maxOffset);
    }
    return this.connection !== undefined;
  }

  /**
   * TEST FAULT slaveCorruptsReplica (test_faults.ts): every Nth frame that starts on a message
   * record gets that record's body CRC byte flipped. Dispatch does not check CRCs, so the slave
   * runs on with a log that is no longer a byte-identical prefix of its master's.
   */
  private maybeCorrupt(frame: TransferFrame): Uint8Array {
    const every = this.testFaults().slaveCorruptsReplica ?? 0;
    if (every <= 0) return frame.body;
    const boundary = this.store.recordBoundary?.();
    if (boundary !== frame.phyOffset || frame.body.length < 12) return frame.body;
    const view = new DataView(frame.body.buffer, frame.body.byteOffset, frame.body.length);
    if (view.getInt32(4, false) !== MESSAGE_MAGIC_CODE) return frame.body;
    this.boundaryFrames += 1;
    if (this.boundaryFrames % every !== 0) return frame.body;
    const corrupted = frame.body.slice();
    corrupted[8] = corrupted[8]! ^ 0xff;
    this.log.warn("TEST FAULT slaveCorruptsReplica: flipped a byte of a replicated record", { offset: frame.phyOffset + 8 });
    return corrupted;
  }

  private report(offset: number): void {
    const connection = this.connection;
    if (connection === undefined) return;
    this.lastWriteMs = this.env.clock.monotonicMs();
    if (!connection.write(encodeOffsetReport(offset))) this.closeMaster("report write failed");
  }

  private closeMaster(reason: string): void {
    const connection = this.connection;
    if (connection === undefined) return;
    this.connection = undefined;
    connection.destroy();
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    if (this.stopped) return;
    this.nextConnectAtMs = this.env.clock.monotonicMs() + this.backoffMs;
    this.log.info("HA connection to master down; will retry", { master: this.masterAddress, reason, retryInMs: this.backoffMs });
    this.backoffMs = Math.min(RECONNECT_MS_MAX, this.backoffMs * 2);
  }
}
