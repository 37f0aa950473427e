// Test support: a broker on the real Env (loopback, ephemeral ports, a temp store root the
// caller owns) plus a RemotingClient to talk to it with typed helpers.
import type { RealEnv } from "../../env/real/index.ts";
import type { BrokerConfig } from "../../config/broker_config.ts";
import { encodeHeader, SendMessageRequestHeaderV2, encodeHeartbeatData } from "../../protocol/index.ts";
import type { HeartbeatData } from "../../protocol/index.ts";
import { createRequest, RemotingClient, RequestCode, utf8 } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import { messageProperties2String } from "../../message/index.ts";
import { BrokerController } from "../broker_controller.ts";
import type { BrokerControllerOptions } from "../broker_controller.ts";
import { testBrokerConfig } from "./broker_fixture.ts";

export interface Harness {
  env: RealEnv;
  broker: BrokerController;
  client: RemotingClient;
  addr: string;
  config: BrokerConfig;
}

export async function startBroker(env: RealEnv, root: string, overrides: Partial<BrokerConfig> = {}, options: Partial<BrokerControllerOptions> = {}): Promise<Harness> {
  const config = testBrokerConfig(root, overrides);
  const broker = new BrokerController(env, config, { namesrvAddrs: [], ...options });
  await broker.start();
  const client = new RemotingClient(env, { name: "test-client" });
  return { env, broker, client, addr: `127.0.0.1:${broker.listenPort}`, config };
}

export function call(harness: Harness, code: number, extFields: Record<string, string | number | boolean> = {}, body?: Uint8Array, timeoutMs = 5000): Promise<RemotingCommand> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(extFields)) fields[key] = String(value);
  return harness.client.invokeSync(harness.addr, createRequest(code, fields, body), timeoutMs);
}

export function sendV2(harness: Harness, topic: string, body: string | Uint8Array, options: {
  queueId?: number; properties?: Record<string, string>; reconsumeTimes?: number; maxReconsumeTimes?: number; defaultQueueNums?: number; code?: number;
} = {}): Promise<RemotingCommand> {
  const extFields = encodeHeader(SendMessageRequestHeaderV2, {
    a: "test-producer", b: topic, c: "TBW102", d: options.defaultQueueNums ?? 4, e: options.queueId ?? 0, f: 0,
    g: harness.env.clock.nowMs(), h: 0, i: messageProperties2String(new Map(Object.entries(options.properties ?? {}))),
    j: options.reconsumeTimes ?? 0, k: false,
    ...(options.maxReconsumeTimes === undefined ? {} : { l: options.maxReconsumeTimes }),
  });
  const bytes = typeof body === "string" ? utf8(body) : body;
  return harness.client.invokeSync(harness.addr, createRequest(options.code ?? RequestCode.SEND_MESSAGE_V2, extFields, bytes), 5000);
}

export function pull(harness: Harness, topic: string, queueId: number, queueOffset: number, options: {
  group?: string; maxMsgNums?: number; sysFlag?: number; suspendTimeoutMillis?: number; subscription?: string; commitOffset?: number; timeoutMs?: number;
} = {}): Promise<RemotingCommand> {
  return call(harness, RequestCode.PULL_MESSAGE, {
    consumerGroup: options.group ?? "test-group", topic, queueId, queueOffset, maxMsgNums: options.maxMsgNums ?? 32,
    sysFlag: options.sysFlag ?? 4, commitOffset: options.commitOffset ?? 0, suspendTimeoutMillis: options.suspendTimeoutMillis ?? 15000,
    subscription: options.subscription ?? "*", subVersion: 0,
  }, undefined, options.timeoutMs ?? 30_000);
}

export function heartbeat(harness: Harness, data: HeartbeatData): Promise<RemotingCommand> {
  return call(harness, RequestCode.HEART_BEAT, {}, encodeHeartbeatData(data));
}

export async function stopHarness(harness: Harness): Promise<void> {
  harness.client.shutdown();
  await harness.broker.shutdown();
}
