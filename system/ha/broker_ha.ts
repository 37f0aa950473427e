// Replication for one broker, by role, as BrokerController wires it [BrokerController.java
// startProcessorByHa / handleSlaveSynchronize / doRegisterBrokerAll; DefaultMessageStore's
// HAService]:
// - masters listen on the HA port (brokerConfig.haListenPort, RocketMQ's listenPort + 1; an
//   ephemeral port when listenPort is 0) and, as SYNC_MASTER, hold puts in the store's
//   replication waiter;
// - slaves run an HAClient towards haMasterAddress when it is configured (then fixed), else
//   towards the haServerAddr of each REGISTER_BROKER reply, and a SlaveSynchronize towards the
//   reply's masterAddr (updated on every reply, undefined while the master is unregistered).
// Lifecycle: bind() before start (a taken port fails the broker start), start() once the store
// runs, shutdown() before the store closes.
import type { Env, Log } from "../env/env.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import type { DefaultMessageStore } from "../store/message_store.ts";
import { assert } from "../stdx/assert.ts";
import { HAClient } from "./ha_client.ts";
import { HAService } from "./ha_service.ts";
import { haStorePortOf } from "./ha_store_port.ts";
import { SlaveSynchronize } from "./slave_synchronize.ts";
import { noHATestFaults } from "./test_faults.ts";
import type { HATestFaultsSource } from "./test_faults.ts";
import type { MasterInvoker, SlaveSyncTarget } from "./slave_synchronize.ts";

/** What a REGISTER_BROKER reply tells a slave (BrokerRegistration.onResult). */
export interface MasterAddresses {
  haServerAddr: string | undefined;
  masterAddr: string | undefined;
}

export interface BrokerHAOptions {
  env: Env;
  log: Log;
  brokerConfig: BrokerConfig;
  store: DefaultMessageStore;
  /** Calls to the master's broker port (the broker's outer API client). */
  invokeMaster: MasterInvoker;
  syncTarget: SlaveSyncTarget;
  /** Test-only switches (test_faults.ts), read on every use; none by default. */
  testFaults?: HATestFaultsSource;
}

/** RocketMQ accepts haMasterAddress only when it looks like an address (length ≥ 6). */
export function configuredHaMasterAddress(config: BrokerConfig): string | undefined {
  const addr = config.haMasterAddress?.trim();
  return addr !== undefined && addr.length >= 6 ? addr : undefined;
}

export class BrokerHA {
  /** Master side; undefined on a slave. */
  readonly service: HAService | undefined;
  /** Slave side; undefined on a master. */
  readonly client: HAClient | undefined;
  readonly slaveSynchronize: SlaveSynchronize | undefined;
  private readonly updateHaMasterFromRegistration: boolean;
  private boundPort: number | undefined;
  private started = false;

  constructor(private readonly options: BrokerHAOptions) {
    const { env, log, brokerConfig: config, store } = options;
    const port = haStorePortOf(store);
    const testFaults = options.testFaults ?? noHATestFaults;
    if (config.brokerRole === "SLAVE") {
      this.client = new HAClient(env, log, port, config, testFaults);
      this.slaveSynchronize = new SlaveSynchronize(env, log, options.invokeMaster, options.syncTarget,
        { intervalMs: config.slaveSyncIntervalMs, timeoutMs: config.slaveTimeout }, testFaults);
      const fixed = configuredHaMasterAddress(config);
      this.updateHaMasterFromRegistration = fixed === undefined;
      if (fixed !== undefined) this.client.updateMasterAddress(fixed);
    } else {
      this.service = new HAService(env, log, port, config);
      this.updateHaMasterFromRegistration = false;
      if (config.brokerRole === "SYNC_MASTER") {
        const service = this.service;
        store.setReplicationWaiter((endOffset) => {
          if (testFaults().syncMasterAcksEarly !== true) return service.waitForReplica(endOffset);
          // TEST FAULT: push, but answer PUT_OK before the slave has the message.
          service.notifyAppended();
          return Promise.resolve("PUT_OK");
        });
        // Consumers see only what the slave has (store: confirmOffset, readUnCommitted).
        store.setReplicaProgress({ ackedOffset: () => service.push2SlaveMaxOffset, slaveConnected: () => service.connectionCount > 0 });
        service.onProgress = () => store.onDurabilityAdvanced();
      }
    }
  }

  /** The bound HA port (masters, after bind). */
  get listenPort(): number | undefined {
    return this.boundPort;
  }

  /** Masters bind the HA port: `port` 0 asks for an ephemeral one. */
  async bind(host: string, port: number): Promise<void> {
    if (this.service === undefined) return;
    this.boundPort = await this.service.listen(host, port);
  }

  start(): void {
    assert(!this.started, "start once");
    this.started = true;
    this.service?.start();
    this.client?.start();
    this.slaveSynchronize?.start();
  }

  /** A REGISTER_BROKER reply (doRegisterBrokerAll's slave branch). */
  onRegisterResult(result: MasterAddresses): void {
    if (this.client === undefined) return;
    if (this.updateHaMasterFromRegistration && result.haServerAddr !== undefined) this.client.updateMasterAddress(result.haServerAddr);
    this.slaveSynchronize?.setMasterAddr(result.masterAddr);
  }

  /** New bytes in the local commit log (masters push them at once). */
  notifyAppended(): void {
    this.service?.notifyAppended();
  }

  /** Key/value pairs for GET_BROKER_RUNTIME_INFO. */
  runtimeInfo(): Record<string, string> {
    const info: Record<string, string> = {};
    if (this.service !== undefined) {
      info["haConnectionCount"] = String(this.service.connectionCount);
      info["haPush2SlaveMaxOffset"] = String(this.service.push2SlaveMaxOffset);
      info["haDivergences"] = String(this.service.divergences);
    }
    if (this.client !== undefined) {
      info["haMasterAddress"] = this.client.master ?? "";
      info["haClientConnected"] = String(this.client.isConnected);
      info["haBytesApplied"] = String(this.client.stats.bytesApplied);
    }
    return info;
  }

  async shutdown(): Promise<void> {
    this.slaveSynchronize?.shutdown();
    this.client?.shutdown();
    await this.service?.shutdown();
    this.options.store.setReplicationWaiter(undefined);
    if (this.service !== undefined) this.service.onProgress = undefined;
    this.options.store.setReplicaProgress(undefined);
  }
}
