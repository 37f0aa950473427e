// NamesrvController: wires the remoting server, the route registry and the KV config, and owns
// the liveness scan (every scanNotActiveBrokerIntervalMs, first after scanNotActiveBrokerDelayMs)
// — all through the node's Env, so the simulator can run a 120 s expiry in virtual time.
// Invariants: start() once, then shutdown() once; a closed channel removes its broker at once.
import type { Env, Listener, Log, TimerHandle } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { RemotingServer } from "../remoting/remoting_server.ts";
import { KVConfigManager } from "./kv_config_manager.ts";
import type { NamesrvConfig } from "./namesrv_config.ts";
import { registerNamesrvProcessors } from "./namesrv_processor.ts";
import { RouteInfoManager } from "./route_info_manager.ts";
import type { NamesrvTestFaults } from "./test_faults.ts";

export class NamesrvController {
  readonly routeInfoManager: RouteInfoManager;
  readonly kvConfigManager: KVConfigManager;
  readonly remotingServer: RemotingServer;
  private readonly log: Log;
  private listener: Listener | undefined;
  private scanDelayTimer: TimerHandle | undefined;
  private scanTimer: TimerHandle | undefined;
  private state: "new" | "started" | "shutdown" = "new";

  /** Test-only fault switches (test_faults.ts); all off by default, never from the properties file. */
  testFaults: NamesrvTestFaults;

  constructor(
    private readonly env: Env,
    readonly config: NamesrvConfig,
    options: { testFaults?: NamesrvTestFaults } = {},
  ) {
    this.testFaults = options.testFaults ?? {};
    assert(config.scanNotActiveBrokerIntervalMs > 0, "scanNotActiveBrokerIntervalMs must be positive");
    assert(config.brokerChannelExpiredTimeMs > 0, "brokerChannelExpiredTimeMs must be positive");
    this.log = env.log.child({ component: "namesrv" });
    this.routeInfoManager = new RouteInfoManager(env.clock, this.log.child({ part: "routes" }), config.brokerChannelExpiredTimeMs, env);
    this.kvConfigManager = new KVConfigManager(env.disk, config.kvConfigPath, this.log.child({ part: "kv" }));
    this.remotingServer = new RemotingServer(env, { name: "namesrv-remoting", frameSizeMax: config.frameSizeMax });
  }

  /** Loads the KV config, listens, starts the liveness scan. Rejects with NetError EADDRINUSE. */
  async start(): Promise<void> {
    assert(this.state === "new", `start() in state ${this.state}`);
    this.state = "started";
    this.kvConfigManager.load();
    registerNamesrvProcessors(this.remotingServer, {
      config: this.config,
      routes: this.routeInfoManager,
      kv: this.kvConfigManager,
    });
    this.remotingServer.onChannelClose((channel) => {
      if (this.testFaults.namesrvKeepsClosedBroker === true) {
        // TEST FAULT: the close is ignored; only the liveness scan (120 s) removes the broker.
        this.log.warn("TEST FAULT namesrvKeepsClosedBroker: channel close ignored", { remoteAddr: channel.remoteAddress });
        return;
      }
      this.routeInfoManager.onChannelDestroy(channel.remoteAddress, channel);
    });
    this.listener = await this.remotingServer.listen(this.config.listenHost, this.config.listenPort);
    this.scanDelayTimer = this.env.timers.setTimeout(() => {
      this.scanDelayTimer = undefined;
      this.scanNotActiveBroker();
      this.scanTimer = this.env.timers.setInterval(() => this.scanNotActiveBroker(), this.config.scanNotActiveBrokerIntervalMs);
    }, this.config.scanNotActiveBrokerDelayMs);
    this.log.info("namesrv started", { address: this.listener.address });
  }

  /** The bound "ip:port" (after start). */
  get listenAddress(): string {
    assert(this.listener !== undefined, "namesrv not started");
    return this.listener.address;
  }

  get listenPort(): number {
    assert(this.listener !== undefined, "namesrv not started");
    return this.listener.port;
  }

  /** One liveness pass (also run by the timer). Returns how many brokers expired. */
  scanNotActiveBroker(): number {
    const removed = this.routeInfoManager.scanNotActiveBroker();
    if (removed > 0) this.log.info("scan not active broker", { removed });
    return removed;
  }

  async shutdown(): Promise<void> {
    if (this.state === "shutdown") return;
    const wasStarted = this.state === "started";
    this.state = "shutdown";
    this.env.timers.clear(this.scanDelayTimer);
    this.env.timers.clear(this.scanTimer);
    if (!wasStarted) return;
    await this.remotingServer.shutdown();
    await this.kvConfigManager.flush();
    if (this.listener !== undefined) this.log.info("namesrv shut down", { address: this.listener.address });
  }
}
