// HAService, master side [store/.../ha/HAService.java]: accepts slave connections on the HA
// port (listenPort + 1), keeps one HAConnection per slave, tracks push2SlaveMaxOffset (the
// highest offset any slave has reported; never lowered while the process lives) and releases
// SYNC_MASTER puts waiting in the GroupTransferService.
// SYNC_MASTER rule [CommitLog.submitReplicaRequest]: after the local write, no slave
// connection or a slave more than haSlaveFallbehindMax behind the end of the message →
// SLAVE_NOT_AVAILABLE at once; otherwise wait up to slaveTimeout for an ack ≥ the end of the
// message → PUT_OK, else FLUSH_SLAVE_TIMEOUT.
// One tick (every MASTER_POLL_MS) drives heartbeats, housekeeping and the write poll of every
// connection; appends also push at once (notifyAppended), as RocketMQ's wakeupAll does.
import type { Env, Listener, Log, TimerHandle } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import type { PutMessageStatus } from "../store/status.ts";
import { GroupTransferService } from "./group_transfer.ts";
import { MASTER_POLL_MS } from "./ha_constants.ts";
import { HAConnection } from "./ha_connection.ts";
import type { HAConnectionHost, HAMasterConfig } from "./ha_connection.ts";
import type { HAStorePort } from "./ha_store_port.ts";
import { probe } from "../env/probe.ts";
import { errorText } from "../stdx/error_text.ts";

export interface HAServiceConfig extends HAMasterConfig {
  haSlaveFallbehindMax: number;
  slaveTimeout: number;
}

export class HAService {
  readonly log: Log;
  private readonly connections = new Set<HAConnection>();
  private readonly groupTransfer: GroupTransferService;
  private readonly host: HAConnectionHost;
  private listener: Listener | undefined;
  private tickTimer: TimerHandle | undefined;
  private push2SlaveMaxOffsetValue = 0;
  private stopped = false;
  /** Slave connections whose first report was above our max offset (see ha_connection.ts). */
  divergences = 0;
  /** Called when push2SlaveMaxOffset grows or a slave connection goes (SYNC_MASTER visibility). */
  onProgress: (() => void) | undefined;

  constructor(private readonly env: Env, log: Log, store: HAStorePort, readonly config: HAServiceConfig) {
    assert(config.haTransferBatchSize > 0 && config.haSendHeartbeatInterval > 0 && config.haHousekeepingInterval > 0, "HA intervals and batch are positive");
    this.log = log.child({ component: "ha-service" });
    this.groupTransfer = new GroupTransferService(env, config.slaveTimeout);
    this.host = {
      env, log: this.log, store, config,
      onAck: (offset) => this.notifyTransferSome(offset),
      onDiverged: () => {
        this.divergences += 1;
      },
      onClosed: (connection) => {
        this.connections.delete(connection);
        this.log.info("slave connection removed", { slave: connection.clientAddr, connections: this.connections.size });
        this.onProgress?.();
      },
    };
  }

  /** Binds the HA port; resolves the bound port (port 0 asks for an ephemeral one). */
  async listen(host: string, port: number): Promise<number> {
    assert(this.listener === undefined, "listen once");
    this.listener = await this.env.net.listen(host, port, (connection) => {
      if (this.stopped) {
        connection.destroy();
        return;
      }
      const ha = new HAConnection(this.host, connection);
      this.connections.add(ha);
      probe(this.env, "ha.master.slave-connected");
      this.log.info("HAService receive new connection", { slave: ha.clientAddr, connections: this.connections.size });
    });
    this.log.info("HA service listening", { address: this.listener.address });
    return this.listener.port;
  }

  start(): void {
    assert(this.tickTimer === undefined, "start once");
    const tickMs = Math.max(1, Math.min(MASTER_POLL_MS, Math.floor(Math.min(this.config.haSendHeartbeatInterval, this.config.haHousekeepingInterval) / 4)));
    this.tickTimer = this.env.timers.setInterval(() => this.tick(), tickMs);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get push2SlaveMaxOffset(): number {
    return this.push2SlaveMaxOffsetValue;
  }

  /** Per connection: address, acked offset, next offset to push (for runtime info and tests). */
  slaves(): { clientAddr: string; slaveAckOffset: number; nextTransferFromWhere: number; diverged: boolean }[] {
    return [...this.connections].map((connection) => ({
      clientAddr: connection.clientAddr, slaveAckOffset: connection.slaveAckOffset,
      nextTransferFromWhere: connection.nextTransferFromWhere, diverged: connection.diverged,
    }));
  }

  /** HAService.isSlaveOK: a slave is connected and not too far behind masterPutWhere. */
  isSlaveOK(masterPutWhere: number): boolean {
    return this.connections.size > 0 && masterPutWhere - this.push2SlaveMaxOffsetValue < this.config.haSlaveFallbehindMax;
  }

  /** The store's SYNC_MASTER replication waiter (setReplicationWaiter). */
  waitForReplica(endOffset: number): Promise<PutMessageStatus> {
    if (!this.isSlaveOK(endOffset)) {
      probe(this.env, "ha.sync-master.slave-not-available");
      return Promise.resolve("SLAVE_NOT_AVAILABLE");
    }
    const waiting = this.groupTransfer.wait(endOffset);
    this.notifyAppended();
    return waiting;
  }

  /** New bytes in the commit log: push them to every slave now. */
  notifyAppended(): void {
    for (const connection of this.connections) {
      try {
        connection.pump();
      } catch (error) {
        // The append path calls us: never let a replication problem fail a put.
        this.log.error("HA push failed", { slave: connection.clientAddr, error: errorText(error) });
        connection.close("push failed");
      }
    }
  }

  private notifyTransferSome(offset: number): void {
    if (offset > this.push2SlaveMaxOffsetValue) {
      this.push2SlaveMaxOffsetValue = offset;
      // Visibility first, so a consumer can read a message by the time its send is acked.
      this.onProgress?.();
      this.groupTransfer.notifyTransferSome(offset);
    }
  }

  private tick(): void {
    const nowMs = this.env.clock.monotonicMs();
    // A connection closing in its tick deletes itself: safe while iterating a Set.
    for (const connection of this.connections) connection.tick(nowMs);
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.env.timers.clear(this.tickTimer);
    this.tickTimer = undefined;
    for (const connection of [...this.connections]) connection.close("shutdown");
    this.groupTransfer.shutdown();
    await this.listener?.close();
  }
}
