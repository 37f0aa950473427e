// BrokerController: builds and runs one broker [broker/.../BrokerController.java].
// start(): load topics/groups/offsets, load (recover) and start the store, listen on listenPort
// and on the VIP channel listenPort−2 with the same processors, register with every NameServer,
// then run the periodic services (registration, client-channel scan, offset flush, long-poll
// re-check). shutdown(): stop accepting, answer held pulls, flush the store, persist offsets and
// configs, UNREGISTER_BROKER from every NameServer.
// Startup errors (config unreadable, store unusable, port taken) reject with BrokerStartError.
// Replication (system/ha BrokerHA, with the default store): masters bind the HA port right
// after the store loads and, as SYNC_MASTER, hold puts until a slave has the bytes; slaves
// replicate from the master's HA address and sync metadata from its broker port (addresses
// from haMasterAddress or each REGISTER_BROKER reply).
import type { Env, Log, TimerHandle } from "../env/env.ts";
import { NetError } from "../env/env.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import { createResponse, RemotingServer, ResponseCode } from "../remoting/index.ts";
import type { RemotingChannel, RequestProcessor } from "../remoting/index.ts";
import { buildProcessorTable, registerProcessors } from "./broker_processors.ts";
import type { BrokerCounters, BrokerRuntime } from "./broker_runtime.ts";
import { PutLatencyHistogram } from "./put_latency.ts";
import { Broker2Client } from "./client/broker_to_client.ts";
import { ConsumerManager } from "./client/consumer_manager.ts";
import type { ConsumerGroupEvent } from "./client/consumer_manager.ts";
import { ProducerManager } from "./client/producer_manager.ts";
import { RebalanceLockManager, REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT } from "./client/rebalance_lock_manager.ts";
import { ConsumerOffsetManager } from "./consumer_offset_manager.ts";
import { PullRequestHoldService } from "./longpolling/pull_request_hold_service.ts";
import { BrokerOuterAPI } from "./out/broker_outer_api.ts";
import type { BrokerIdentity } from "./out/broker_outer_api.ts";
import { BrokerRegistration } from "./out/broker_registration.ts";
import { StoreAdapter } from "./store_adapter.ts";
import type { BrokerStore } from "./store_port.ts";
import { SubscriptionGroupManager } from "./subscription_group_manager.ts";
import { anyFaultOn } from "./test_faults.ts";
import { BrokerHA } from "../ha/broker_ha.ts";
import type { SlaveSyncTarget } from "../ha/slave_synchronize.ts";
import type { BrokerTestFaults } from "./test_faults.ts";
import { TopicConfigManager } from "./topic_config_manager.ts";
import { BrokerAcl } from "../acl/broker_acl.ts";
import { SendQueue } from "./flow/send_queue.ts";
import { TransactionalMessageService } from "./transaction/transactional_message_service.ts";
import { TransactionCheckService } from "./transaction/transaction_check_service.ts";
import { errorText } from "../stdx/error_text.ts";

/** BrokerController.shutdown: scheduledExecutorService.awaitTermination(5000, ms) before unregisterBrokerAll. */
export const SHUTDOWN_AWAIT_TERMINATION_MS = 5_000;

export class BrokerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BrokerStartError";
  }
}

export interface BrokerControllerOptions {
  namesrvAddrs: readonly string[];
  /** Replace the store (tests, HA wrappers); default: DefaultMessageStore over env.disk. */
  store?: BrokerStore & { load?(): boolean; start?(): void };
  rebalanceLockMaxLiveTimeMs?: number;
  consumerRunningInfoTimeoutMs?: number;
  testFaults?: BrokerTestFaults;
}

export class BrokerController {
  readonly log: Log;
  readonly topicConfigManager: TopicConfigManager;
  readonly subscriptionGroupManager: SubscriptionGroupManager;
  readonly consumerOffsetManager: ConsumerOffsetManager;
  readonly consumerManager: ConsumerManager;
  readonly producerManager: ProducerManager;
  readonly rebalanceLockManager: RebalanceLockManager;
  readonly broker2Client: Broker2Client;
  readonly pullRequestHoldService: PullRequestHoldService;
  readonly outerAPI: BrokerOuterAPI;
  readonly registration: BrokerRegistration;
  readonly store: BrokerStore & { load?(): boolean; start?(): void };
  /** The real store when the default one is used (HA hooks live there). */
  readonly messageStore: StoreAdapter["messageStore"] | undefined;
  /** Replication (master HA service or slave HA client + metadata sync); with the default store. */
  readonly ha: BrokerHA | undefined;
  /** ACL (aclEnable): the request check in front of every processor, and admin codes 50–53. */
  readonly acl: BrokerAcl;
  private readonly servers: RemotingServer[] = [];
  private readonly timers: TimerHandle[] = [];
  private readonly runtime: BrokerRuntime;
  private listenPortActual = 0;
  /** Issue 16: the transaction check service and the send queue (flow control). */
  readonly transactionCheckService: TransactionCheckService;
  readonly sendQueue: SendQueue;
  private storeLoaded = false;
  private state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";

  constructor(
    readonly env: Env,
    readonly brokerConfig: BrokerConfig,
    private readonly options: BrokerControllerOptions,
  ) {
    this.log = env.log.child({ component: "broker", brokerName: brokerConfig.brokerName, brokerId: brokerConfig.brokerId });
    this.topicConfigManager = new TopicConfigManager(env, brokerConfig);
    this.subscriptionGroupManager = new SubscriptionGroupManager(env, brokerConfig);
    this.consumerOffsetManager = new ConsumerOffsetManager(env, brokerConfig);
    this.broker2Client = new Broker2Client(this.log);
    this.consumerManager = new ConsumerManager(this.log.child({ component: "consumer-manager" }), (event) => this.onConsumerGroupEvent(event), env);
    this.producerManager = new ProducerManager(this.log.child({ component: "producer-manager" }));
    this.rebalanceLockManager = new RebalanceLockManager(env.clock, this.log.child({ component: "rebalance-lock" }),
      options.rebalanceLockMaxLiveTimeMs ?? REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT, env);
    if (options.store !== undefined) {
      this.store = options.store;
      this.messageStore = undefined;
    } else {
      const adapter = StoreAdapter.create(env, brokerConfig);
      this.store = adapter;
      this.messageStore = adapter.messageStore;
    }
    const checkMs = brokerConfig.longPollingEnable ? brokerConfig.pullHoldCheckIntervalMs : brokerConfig.shortPollingTimeMills;
    this.pullRequestHoldService = new PullRequestHoldService(env, (topic, queueId) => this.store.getMaxOffsetInQueue(topic, queueId), checkMs);
    this.outerAPI = new BrokerOuterAPI(env, options.namesrvAddrs);
    this.registration = new BrokerRegistration(env, brokerConfig, this.outerAPI, this.topicConfigManager,
      () => this.identity(), () => `${brokerConfig.brokerIP2}:${this.haListenPort()}`);
    this.ha = this.messageStore === undefined ? undefined : new BrokerHA({
      env, log: this.log, brokerConfig, store: this.messageStore, syncTarget: this.slaveSyncTarget(this.messageStore),
      invokeMaster: (addr, request, timeoutMs) => this.outerAPI.remotingClient.invokeSync(addr, request, timeoutMs),
      testFaults: () => this.runtime.testFaults,
    });
    this.registration.onResult((result) => this.ha?.onRegisterResult(result));
    this.acl = new BrokerAcl(env, {
      aclEnable: brokerConfig.aclEnable, rocketmqHome: brokerConfig.rocketmqHome,
      identity: () => ({ brokerAddr: this.brokerAddr, brokerName: brokerConfig.brokerName, clusterName: brokerConfig.brokerClusterName }),
    });
    const counters: BrokerCounters = { sendRequests: 0, putMessages: 0, pullRequests: 0, pulledMessages: 0, bootTimestamp: env.clock.nowMs() };
    counters.putLatency = new PutLatencyHistogram();
    this.runtime = {
      env, log: this.log, brokerConfig, store: this.store,
      topicConfigManager: this.topicConfigManager, subscriptionGroupManager: this.subscriptionGroupManager,
      consumerOffsetManager: this.consumerOffsetManager, consumerManager: this.consumerManager, producerManager: this.producerManager,
      rebalanceLockManager: this.rebalanceLockManager, broker2Client: this.broker2Client, pullRequestHoldService: this.pullRequestHoldService,
      storeHost: `${brokerConfig.brokerIP1}:${brokerConfig.listenPort}`,
      testFaults: options.testFaults ?? {},
      counters,
    };
    const ha = this.ha;
    if (ha !== undefined) this.runtime.haRuntimeInfo = () => ha.runtimeInfo();
    const transactions = new TransactionalMessageService({
      env, log: this.log.child({ component: "transaction" }), store: this.store, consumerOffsetManager: this.consumerOffsetManager,
      topicConfigManager: this.topicConfigManager, storeHost: () => this.runtime.storeHost,
    });
    this.runtime.transactions = transactions;
    this.transactionCheckService = new TransactionCheckService(env, this.log.child({ component: "transaction-check" }), transactions, this.producerManager, {
      transactionTimeOutMs: brokerConfig.transactionTimeOut, transactionCheckMax: brokerConfig.transactionCheckMax,
      transactionCheckIntervalMs: brokerConfig.transactionCheckInterval, isMaster: () => this.brokerConfig.brokerRole !== "SLAVE",
    });
    this.sendQueue = new SendQueue(env, this.log.child({ component: "send-queue" }), {
      threads: Math.max(1, brokerConfig.sendMessageThreadPoolNums), capacity: Math.max(1, brokerConfig.sendThreadPoolQueueCapacity),
      waitTimeMillsInSendQueue: brokerConfig.waitTimeMillsInSendQueue, osPageCacheBusyTimeOutMills: brokerConfig.osPageCacheBusyTimeOutMills,
      brokerFastFailureEnable: brokerConfig.brokerFastFailureEnable, putMessageLockHoldMs: brokerConfig.putMessageLockHoldMs,
    });
    this.runtime.sendQueue = this.sendQueue;
    this.topicConfigManager.onChange((reason, topic) => {
      this.log.info("topic table changed, registering with the NameServers", { reason, topic });
      if (this.state === "running") this.registration.requestRegister(false, true);
    });
  }

  /** Test-only fault switches (see test_faults.ts); all off by default. */
  get testFaults(): BrokerTestFaults {
    return this.runtime.testFaults;
  }

  set testFaults(faults: BrokerTestFaults) {
    this.runtime.testFaults = faults;
    if (anyFaultOn(faults)) this.log.warn("TEST FAULTS ENABLED: this broker is deliberately broken", { faults });
  }

  get counters(): BrokerCounters {
    return this.runtime.counters;
  }

  /** The actual main listen port (listenPort, or the ephemeral port when listenPort=0). */
  get listenPort(): number {
    return this.listenPortActual;
  }

  /** "brokerIP1:port" as registered with the NameServers. */
  get brokerAddr(): string {
    return `${this.brokerConfig.brokerIP1}:${this.listenPortActual}`;
  }

  /** Addresses of the main and VIP listeners. */
  get listenAddresses(): string[] {
    return this.servers.flatMap((server) => server.addresses());
  }

  isSlave(): boolean {
    return this.brokerConfig.brokerRole === "SLAVE";
  }

  identity(): BrokerIdentity {
    return {
      clusterName: this.brokerConfig.brokerClusterName,
      brokerName: this.brokerConfig.brokerName,
      brokerAddr: this.brokerAddr,
      brokerId: this.brokerConfig.brokerId,
    };
  }

  private haListenPort(): number {
    return this.ha?.listenPort ?? (this.brokerConfig.listenPort === 0 ? this.listenPortActual + 1 : this.brokerConfig.haListenPort);
  }

  /** The managers' slave-side seams, for SlaveSynchronize. */
  private slaveSyncTarget(store: NonNullable<StoreAdapter["messageStore"]>): SlaveSyncTarget {
    return {
      selfAddr: () => this.brokerAddr,
      applyTopicConfig: (content) => this.topicConfigManager.syncFromMaster(content),
      applyConsumerOffsets: (content) => this.consumerOffsetManager.putAllFromMaster(content),
      applyDelayOffsets: (text) => {
        if (store.scheduleService.updateFrom(text)) void store.scheduleService.persist();
      },
      applySubscriptionGroups: (content) => this.subscriptionGroupManager.syncFromMaster(content),
    };
  }

  async start(): Promise<void> {
    if (this.state !== "new") throw new BrokerStartError(`broker ${this.brokerConfig.brokerName} cannot start twice`);
    this.state = "starting";
    try {
      // Bind first: a taken port fails before the store is touched (another broker may own it).
      // Requests that arrive before state "running" get SYSTEM_BUSY, so none sees an unloaded store.
      // The HA port binds once the store is loaded (a slave's first report reads its max offset).
      this.loadAcl();
      await this.listen();
      this.loadConfigs();
      this.loadStore();
      await this.bindHA();
    } catch (error) {
      this.state = "stopped";
      await this.closeAfterFailedStart();
      throw error;
    }
    this.store.start?.();
    // The store passes the queue's max offset after the message (consumeQueueOffset + 1), as
    // RocketMQ's ReputMessageService does; the hold service wakes pulls from below it.
    this.store.setMessageArrivingListener((topic, queueId, maxOffset, tagsCode) => {
      this.pullRequestHoldService.notifyMessageArriving(topic, queueId, maxOffset, tagsCode);
      this.ha?.notifyAppended();
    });
    this.ha?.start();
    this.pullRequestHoldService.start();
    this.transactionCheckService.start();
    this.startTimers();
    this.acl.start();
    this.state = "running";
    if (anyFaultOn(this.runtime.testFaults)) this.log.warn("TEST FAULTS ENABLED: this broker is deliberately broken", { faults: this.runtime.testFaults });
    await this.registration.registerNow(true, true);
    this.registration.startPeriodic();
    this.log.info("broker started", {
      brokerAddr: this.brokerAddr, listen: this.listenAddresses, namesrvAddrs: this.options.namesrvAddrs,
      brokerRole: this.brokerConfig.brokerRole, flushDiskType: this.brokerConfig.flushDiskType,
    });
  }

  private loadAcl(): void {
    try {
      this.acl.load();
    } catch (error) {
      throw new BrokerStartError(error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  private loadConfigs(): void {
    try {
      this.topicConfigManager.load();
      this.subscriptionGroupManager.load();
      this.consumerOffsetManager.load();
    } catch (error) {
      throw new BrokerStartError(`store at ${this.brokerConfig.storePathRootDir} is unusable (config files): ${errorText(error)}`, { cause: error });
    }
  }

  private loadStore(): void {
    let loaded: boolean;
    try {
      loaded = this.store.load?.() ?? true;
    } catch (error) {
      throw new BrokerStartError(`message store at ${this.brokerConfig.storePathRootDir} is unusable: ${errorText(error)}`, { cause: error });
    }
    if (!loaded) throw new BrokerStartError(`message store at ${this.brokerConfig.storePathRootDir} is unusable (load failed)`);
    this.storeLoaded = true;
  }

  private async listen(): Promise<void> {
    const table = new Map<number, RequestProcessor>();
    for (const [code, processor] of buildProcessorTable(this.runtime, { consumerRunningInfoTimeoutMs: this.options.consumerRunningInfoTimeoutMs })) {
      // Requests that slip in while start() is still loading get SYSTEM_BUSY (clients retry).
      table.set(code, (context, request) => this.state === "running" || this.state === "stopping"
        ? processor(context, request)
        : createResponse(request, ResponseCode.SYSTEM_BUSY, "[BROKER_STARTING]broker is starting, try again later"));
    }
    const host = "0.0.0.0";
    const main = this.newServer("remoting-server");
    const vip = this.newServer("remoting-server-vip");
    registerProcessors(main, table);
    registerProcessors(vip, table);
    const configured = this.brokerConfig.listenPort;
    const mainListener = await this.bind(main, host, configured);
    this.listenPortActual = mainListener.port;
    if (configured === 0) this.runtime.storeHost = `${this.brokerConfig.brokerIP1}:${this.listenPortActual}`;
    await this.bind(vip, host, configured === 0 ? 0 : configured - 2);
  }

  /** Masters bind the HA port (ephemeral when listenPort is 0, as the main port). */
  private async bindHA(): Promise<void> {
    const port = this.brokerConfig.listenPort === 0 ? 0 : this.brokerConfig.haListenPort;
    try {
      await this.ha?.bind("0.0.0.0", port);
    } catch (error) {
      if (error instanceof NetError && error.code === "EADDRINUSE") {
        throw new BrokerStartError(`HA port ${port} is already in use (haListenPort; RocketMQ uses listenPort+1)`, { cause: error });
      }
      throw new BrokerStartError(`cannot listen on the HA port ${port}: ${errorText(error)}`, { cause: error });
    }
  }

  private newServer(name: string): RemotingServer {
    const server = new RemotingServer(this.env, { name });
    server.onChannelClose((channel) => this.onChannelClose(channel));
    this.acl.attach(server);
    this.servers.push(server);
    return server;
  }

  private async bind(server: RemotingServer, host: string, port: number): Promise<{ port: number }> {
    try {
      return await server.listen(host, port);
    } catch (error) {
      if (error instanceof NetError && error.code === "EADDRINUSE") {
        throw new BrokerStartError(`port ${port} is already in use (the broker listens on listenPort ${this.brokerConfig.listenPort} and its VIP channel listenPort-2)`, { cause: error });
      }
      throw new BrokerStartError(`cannot listen on ${host}:${port}: ${errorText(error)}`, { cause: error });
    }
  }

  private startTimers(): void {
    const every = (ms: number, task: () => void): void => {
      this.timers.push(this.env.timers.setInterval(task, Math.max(1, ms)));
    };
    every(this.brokerConfig.clientScanIntervalMs, () => this.scanClients());
    every(this.brokerConfig.flushConsumerOffsetInterval, () => {
      this.consumerOffsetManager.persist().catch((error: unknown) => {
        this.log.error("consumer offset flush failed", { error: errorText(error) });
      });
    });
  }

  private scanClients(): void {
    const nowMs = this.env.clock.nowMs();
    const expiredMs = this.brokerConfig.clientChannelExpiredTimeMs;
    const expired = [...this.consumerManager.scanNotActiveChannel(nowMs, expiredMs), ...this.producerManager.scanNotActiveChannel(nowMs, expiredMs)];
    for (const channel of new Set(expired)) channel.close();
  }

  private onChannelClose(channel: RemotingChannel): void {
    this.pullRequestHoldService.onChannelClose(channel);
    this.producerManager.doChannelCloseEvent(channel);
    this.consumerManager.doChannelCloseEvent(channel);
  }

  private onConsumerGroupEvent(event: ConsumerGroupEvent): void {
    if (event.kind !== "CHANGE") return;
    this.log.info("consumer group changed, notifying members", { group: event.group, members: event.channels.length });
    for (const channel of event.channels) this.broker2Client.notifyConsumerIdsChanged(channel, event.group);
  }

  async shutdown(): Promise<void> {
    if (this.state === "stopped" || this.state === "stopping") return;
    const wasRunning = this.state === "running";
    this.state = "stopping";
    this.log.info("broker shutting down", { brokerAddr: this.brokerAddr });
    this.registration.stop();
    for (const timer of this.timers) this.env.timers.clear(timer);
    this.timers.length = 0;
    this.acl.shutdown();
    this.pullRequestHoldService.shutdown();
    this.transactionCheckService.shutdown();
    this.sendQueue.shutdown();
    await Promise.all(this.servers.map((server) => server.shutdown()));
    const problems: string[] = [];
    const attempt = async (what: string, task: () => Promise<void>): Promise<void> => {
      try {
        await task();
      } catch (error) {
        problems.push(`${what}: ${errorText(error)}`);
      }
    };
    await attempt("replication", async () => this.ha?.shutdown());
    await attempt("store", () => this.store.shutdown());
    await attempt("consumer offsets", () => this.consumerOffsetManager.persist(true));
    await attempt("topics", () => this.topicConfigManager.persist());
    await attempt("subscription groups", () => this.subscriptionGroupManager.persist());
    if (wasRunning) {
      // 4.9.x shuts its scheduled executor down and awaits its termination for at most 5 s
      // before unregistering: a registration round blocked on an unreachable NameServer delays
      // the unregister by up to that long, not by its whole registerBrokerTimeoutMills.
      let waitTimer: TimerHandle | undefined;
      const waited = new Promise<void>((resolve) => (waitTimer = this.env.timers.setTimeout(resolve, SHUTDOWN_AWAIT_TERMINATION_MS)));
      await Promise.race([this.registration.idle(), waited]);
      this.env.timers.clear(waitTimer);
      await this.outerAPI.unregisterBrokerAll(this.identity());
    }
    this.outerAPI.shutdown();
    this.state = "stopped";
    for (const problem of problems) this.log.error("shutdown step failed", { problem });
    this.log.info("broker shut down", { brokerAddr: this.brokerAddr, clean: problems.length === 0 });
  }

  private async closeAfterFailedStart(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.shutdown()));
    await this.ha?.shutdown();
    this.outerAPI.shutdown();
    if (!this.storeLoaded) return;
    try {
      await this.store.shutdown();
    } catch (error) {
      this.log.debug("store close after failed start", { error: errorText(error) });
    }
  }
}
