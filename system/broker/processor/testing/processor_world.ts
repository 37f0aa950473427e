// Test support for the processor tests: one real BrokerController in the deterministic simulator
// (chaos/sim) and a wire client node, so every request goes through the broker's real dispatch
// (RemotingServer → RequestDispatcher → the processor table, ACL hook and flow-control queue
// included) on virtual time: no temp dirs, no real ports, a long poll costs no wall time.
// The client node's RemotingClient can register processors, standing in for a consumer that the
// broker calls back (307, 309, 220). Invariant: every call is settled through world.settle, so
// a test never waits on wall time; stop() stops both nodes.
import { createWorld } from "../../../../chaos/sim/index.ts";
import type { World } from "../../../../chaos/sim/index.ts";
import { defaultBrokerConfig } from "../../../config/broker_config.ts";
import type { BrokerConfig } from "../../../config/broker_config.ts";
import { storePathsUnder } from "../../../config/testing/store_paths.ts";
import type { Env } from "../../../env/env.ts";
import { messageProperties2String } from "../../../message/index.ts";
import { encodeHeader, encodeHeartbeatData, SendMessageRequestHeaderV2 } from "../../../protocol/index.ts";
import type { ConsumerData, HeartbeatData, MessageModel } from "../../../protocol/index.ts";
import { createRequest, RemotingClient, RequestCode, utf8 } from "../../../remoting/index.ts";
import type { RemotingCommand, RequestProcessor } from "../../../remoting/index.ts";
import { BrokerController } from "../../broker_controller.ts";
import type { BrokerControllerOptions } from "../../broker_controller.ts";

export const BROKER_IP = "10.0.0.2";
export const BROKER_ADDR = `${BROKER_IP}:10911`;
export const CLIENT_IP = "10.0.0.9";
export const CLIENT_ID = `${CLIENT_IP}@test`;

export interface ProcessorWorldOptions {
  seed?: number;
  config?: Partial<BrokerConfig>;
  controller?: Partial<BrokerControllerOptions>;
}

export type Fields = Record<string, string | number | boolean | undefined>;

export function processorBrokerConfig(overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  const base = defaultBrokerConfig({ homeDir: "/home/mq", hostName: "broker-a", localIp: BROKER_IP, totalPhysicalMemoryBytes: 16 * 1024 ** 3 });
  return {
    ...base,
    brokerName: "broker-a",
    brokerIP1: BROKER_IP,
    brokerIP2: BROKER_IP,
    listenPort: 10911,
    haListenPort: 10912,
    ...storePathsUnder("/store"),
    mapedFileSizeCommitLog: 256 * 1024,
    maxMessageSize: 16 * 1024,
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
    ...overrides,
  };
}

export class ProcessorWorld {
  private brokerValue: BrokerController | undefined;
  private clientValue: RemotingClient | undefined;
  private clientEnvValue: Env | undefined;

  private constructor(readonly world: World, readonly config: BrokerConfig) {}

  /** A started broker (no NameServer) and a connected-on-demand client. */
  static async start(options: ProcessorWorldOptions = {}): Promise<ProcessorWorld> {
    const world = createWorld({ seed: options.seed ?? 1, network: { latencyMs: 0.2, jitterMs: 0 }, log: { level: "error" } });
    world.addNode({ name: "broker-a", ip: BROKER_IP });
    world.addNode({ name: "client", ip: CLIENT_IP });
    const config = processorBrokerConfig(options.config);
    const pw = new ProcessorWorld(world, config);
    await world.settle(world.node("broker-a").start(async (env: Env) => {
      const controller = new BrokerController(env, config, { namesrvAddrs: [], ...options.controller });
      await controller.start();
      pw.brokerValue = controller;
      return { stop: () => controller.shutdown() };
    }));
    await world.settle(world.node("client").start(async (env: Env) => {
      pw.clientEnvValue = env;
      pw.clientValue = new RemotingClient(env, { name: "test-client", connectTimeoutMs: 1000 });
      return { stop: async () => pw.clientValue?.shutdown() };
    }));
    return pw;
  }

  get broker(): BrokerController {
    return this.brokerValue!;
  }

  get client(): RemotingClient {
    return this.clientValue!;
  }

  get clientNowMs(): number {
    return this.clientEnvValue!.clock.nowMs();
  }

  /** The client answers the broker's calls with code (a consumer's 307, 309, …). */
  onClientRequest(code: number, processor: RequestProcessor): void {
    this.client.registerProcessor(code, processor);
  }

  settle<T>(promise: Promise<T>, timeoutMs = 120_000): Promise<T> {
    return this.world.settle(promise, { timeoutMs });
  }

  /** One request on the wire; undefined fields are left out. Resolves with the response. */
  call(code: number, fields: Fields = {}, body?: Uint8Array | string, timeoutMs = 30_000): Promise<RemotingCommand> {
    const extFields: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) extFields[key] = String(value);
    const bytes = typeof body === "string" ? utf8(body) : body;
    return this.settle(this.client.invokeSync(BROKER_ADDR, createRequest(code, extFields, bytes), timeoutMs));
  }

  /** A request as built by the caller (a version or serializeType to set). */
  invoke(request: RemotingCommand, timeoutMs = 30_000): Promise<RemotingCommand> {
    return this.settle(this.unsettled(request, timeoutMs));
  }

  /** Sends without driving the world: for requests in flight together (settle them with settle(Promise.all)). */
  unsettled(request: RemotingCommand, timeoutMs = 30_000): Promise<RemotingCommand> {
    return this.client.invokeSync(BROKER_ADDR, request, timeoutMs);
  }

  /** SEND_MESSAGE_V2 (or `code`) with SendMessageRequestHeaderV2's short field names. */
  send(topic: string, body: string | Uint8Array, options: SendOptions = {}): Promise<RemotingCommand> {
    return this.invoke(this.sendRequest(topic, body, options));
  }

  sendRequest(topic: string, body: string | Uint8Array, options: SendOptions = {}): RemotingCommand {
    const extFields = encodeHeader(SendMessageRequestHeaderV2, {
      a: options.producerGroup ?? "test-producer", b: topic, c: "TBW102", d: options.defaultQueueNums ?? 4, e: options.queueId ?? 0,
      f: options.sysFlag ?? 0, g: this.clientNowMs, h: 0, i: messageProperties2String(new Map(Object.entries(options.properties ?? {}))),
      j: options.reconsumeTimes ?? 0, k: false, ...(options.maxReconsumeTimes === undefined ? {} : { l: options.maxReconsumeTimes }),
      ...(options.batch === undefined ? {} : { m: options.batch }),
    });
    return createRequest(options.code ?? RequestCode.SEND_MESSAGE_V2, extFields, typeof body === "string" ? utf8(body) : body);
  }

  /** PULL_MESSAGE; by default with the subscription in the header and no suspension. */
  pull(topic: string, queueId: number, queueOffset: number, options: PullOptions = {}): Promise<RemotingCommand> {
    return this.call(RequestCode.PULL_MESSAGE, {
      consumerGroup: options.group ?? "test-group", topic, queueId, queueOffset, maxMsgNums: options.maxMsgNums ?? 32,
      sysFlag: options.sysFlag ?? 4, commitOffset: options.commitOffset ?? 0, suspendTimeoutMillis: options.suspendTimeoutMillis ?? 0,
      subscription: options.subscription ?? "*", subVersion: options.subVersion ?? 0, expressionType: options.expressionType,
    }, undefined, 60_000);
  }

  heartbeat(data: HeartbeatData): Promise<RemotingCommand> {
    return this.call(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(data));
  }

  /** A heartbeat of one consumer of `group` subscribed to `topic` with `*` (subVersion 1). */
  consumerHeartbeat(group: string, topic: string, options: { messageModel?: MessageModel; subVersion?: number; clientId?: string } = {}): Promise<RemotingCommand> {
    const consumer: ConsumerData = {
      groupName: group, consumeType: "CONSUME_PASSIVELY", messageModel: options.messageModel ?? "CLUSTERING",
      consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false,
      subscriptionDataSet: [{ topic, subString: "*", tagsSet: [], codeSet: [], subVersion: options.subVersion ?? 1, expressionType: "TAG", classFilterMode: false }],
    };
    return this.heartbeat({ clientID: options.clientId ?? CLIENT_ID, producerDataSet: [], consumerDataSet: [consumer] });
  }

  async stop(): Promise<void> {
    await this.world.settle(this.world.node("client").stop());
    await this.world.settle(this.world.node("broker-a").stop());
  }
}

export interface SendOptions {
  queueId?: number;
  properties?: Record<string, string>;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
  defaultQueueNums?: number;
  sysFlag?: number;
  producerGroup?: string;
  batch?: boolean;
  code?: number;
}

export interface PullOptions {
  group?: string;
  maxMsgNums?: number;
  sysFlag?: number;
  suspendTimeoutMillis?: number;
  subscription?: string;
  expressionType?: string;
  subVersion?: number;
  commitOffset?: number;
}

/** Runs body against a fresh world and always stops it. */
export async function withProcessorWorld(options: ProcessorWorldOptions, body: (pw: ProcessorWorld) => Promise<void>): Promise<void> {
  const pw = await ProcessorWorld.start(options);
  try {
    await body(pw);
  } finally {
    await pw.stop();
  }
}
