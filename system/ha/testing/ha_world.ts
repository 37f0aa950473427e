// Test support: a NameServer, a master broker-a and (optionally) its slave broker-a-s as real
// BrokerControllers in the deterministic simulator (chaos/sim), plus a wire client node with
// typed send/pull helpers. Tests drive virtual time with world.runFor / settle.
import { createWorld, type SimNode, type World } from "../../../chaos/sim/index.ts";
import { defaultBrokerConfig } from "../../config/broker_config.ts";
import type { BrokerConfig, BrokerRole } from "../../config/broker_config.ts";
import { storePathsUnder } from "../../config/testing/store_paths.ts";
import type { Env } from "../../env/env.ts";
import { BrokerController } from "../../broker/broker_controller.ts";
import { messageProperties2String } from "../../message/index.ts";
import { defaultNamesrvConfig, NamesrvController } from "../../namesrv/index.ts";
import { encodeHeader, SendMessageRequestHeaderV2 } from "../../protocol/index.ts";
import { createRequest, RemotingClient, RequestCode, utf8 } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";

export const NAMESRV_ADDR = "10.0.0.1:9876";
export const MASTER_IP = "10.0.0.2";
export const SLAVE_IP = "10.0.0.3";
export const MASTER_ADDR = `${MASTER_IP}:10911`;
export const SLAVE_ADDR = `${SLAVE_IP}:10911`;

export function simBrokerConfig(ip: string, role: BrokerRole, overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  const base = defaultBrokerConfig({ homeDir: "/home/mq", hostName: "broker-a", localIp: ip, totalPhysicalMemoryBytes: 16 * 1024 ** 3 });
  return {
    ...base,
    brokerName: "broker-a",
    brokerId: role === "SLAVE" ? 1 : 0,
    brokerRole: role,
    brokerIP1: ip,
    brokerIP2: ip,
    listenPort: 10911,
    haListenPort: 10912,
    ...storePathsUnder("/store"),
    mapedFileSizeCommitLog: 64 * 1024,
    maxMessageSize: 16 * 1024,
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
    registerNameServerPeriod: 2000,
    haSendHeartbeatInterval: 1000,
    haHousekeepingInterval: 4000,
    slaveSyncIntervalMs: 1000,
    ...overrides,
  };
}

export interface HAWorldOptions {
  seed: number;
  masterRole: "SYNC_MASTER" | "ASYNC_MASTER";
  withSlave?: boolean;
  master?: Partial<BrokerConfig>;
  slave?: Partial<BrokerConfig>;
}

export class HAWorld {
  readonly world: World;
  readonly masterNode: SimNode;
  readonly slaveNode: SimNode | undefined;
  private readonly handles = new Map<string, BrokerController>();
  private clientValue: RemotingClient | undefined;
  private clientEnvValue: Env | undefined;

  constructor(readonly options: HAWorldOptions) {
    this.world = createWorld({ seed: options.seed, network: { latencyMs: 0.2, jitterMs: 0.05 }, log: { level: "error" } });
    this.world.addNode({ name: "namesrv", ip: "10.0.0.1" });
    this.masterNode = this.world.addNode({ name: "broker-a", ip: MASTER_IP });
    this.slaveNode = options.withSlave === false ? undefined : this.world.addNode({ name: "broker-a-s", ip: SLAVE_IP });
    this.world.addNode({ name: "client", ip: "10.0.0.9" });
  }

  async start(): Promise<void> {
    await this.world.settle(this.world.node("namesrv").start(async (env: Env) => {
      const controller = new NamesrvController(env, { ...defaultNamesrvConfig("/home/mq"), scanNotActiveBrokerIntervalMs: 2000 });
      await controller.start();
      return { stop: () => controller.shutdown() };
    }));
    await this.startBroker(this.masterNode, simBrokerConfig(MASTER_IP, this.options.masterRole, this.options.master));
    if (this.slaveNode !== undefined) await this.startBroker(this.slaveNode, simBrokerConfig(SLAVE_IP, "SLAVE", this.options.slave));
    await this.world.settle(this.world.node("client").start(async (env: Env) => {
      this.clientEnvValue = env;
      this.clientValue = new RemotingClient(env, { name: "test-client", connectTimeoutMs: 1000 });
      return { stop: async () => this.clientValue?.shutdown() };
    }));
  }

  private async startBroker(node: SimNode, config: BrokerConfig): Promise<void> {
    const handle = await this.world.settle(node.start(async (env: Env) => {
      const controller = new BrokerController(env, config, { namesrvAddrs: [NAMESRV_ADDR] });
      await controller.start();
      this.handles.set(node.name, controller);
      return { controller, stop: () => controller.shutdown() };
    }));
    this.handles.set(node.name, handle.controller);
  }

  /** The current incarnation's controller. */
  master(): BrokerController {
    return this.handles.get("broker-a")!;
  }

  slave(): BrokerController {
    return this.handles.get("broker-a-s")!;
  }

  async restartMaster(): Promise<void> {
    await this.world.settle(this.masterNode.restart());
  }

  get client(): RemotingClient {
    return this.clientValue!;
  }

  run(ms: number): Promise<void> {
    return this.world.runFor(ms);
  }

  settle<T>(promise: Promise<T>, timeoutMs = 60_000): Promise<T> {
    return this.world.settle(promise, { timeoutMs });
  }

  /** SEND_MESSAGE_V2 to addr (default: the master); resolves with the response. */
  send(body: string, options: { topic?: string; queueId?: number; addr?: string; wait?: boolean; properties?: Record<string, string> } = {}): Promise<RemotingCommand> {
    const properties = new Map<string, string>(Object.entries(options.properties ?? {}));
    if (options.wait === false) properties.set("WAIT", "false");
    const extFields = encodeHeader(SendMessageRequestHeaderV2, {
      a: "test-producer", b: options.topic ?? "TopicTest", c: "TBW102", d: 4, e: options.queueId ?? 0, f: 0,
      g: this.clientEnvValue!.clock.nowMs(), h: 0, i: messageProperties2String(properties), j: 0, k: false,
    });
    return this.client.invokeSync(options.addr ?? MASTER_ADDR, createRequest(RequestCode.SEND_MESSAGE_V2, extFields, utf8(body)), 10_000);
  }

  /** PULL_MESSAGE with the subscription in the header, no suspension. */
  pull(addr: string, queueOffset: number, options: { topic?: string; queueId?: number; group?: string } = {}): Promise<RemotingCommand> {
    const fields: Record<string, string> = {
      consumerGroup: options.group ?? "GroupTest", topic: options.topic ?? "TopicTest", queueId: String(options.queueId ?? 0),
      queueOffset: String(queueOffset), maxMsgNums: "32", sysFlag: "4", commitOffset: "0", suspendTimeoutMillis: "0",
      subscription: "*", subVersion: "0",
    };
    return this.client.invokeSync(addr, createRequest(RequestCode.PULL_MESSAGE, fields), 10_000);
  }
}
