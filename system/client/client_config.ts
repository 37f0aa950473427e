// Client configuration shared by producers, consumers and the admin client (RocketMQ's
// ClientConfig): NameServer list, client identity and every background interval. Defaults are
// RocketMQ 4.9.7's; every one is configurable because the lab runs clients faster or slower.
// Invariants: intervals are positive; the NameServer list is never read from the process
// environment here (system code cannot): the caller resolves it (resolveNamesrvAddr) and passes it.
import type { Env } from "../env/env.ts";
import { parseNamesrvList } from "../config/namesrv_addr.ts";
import { assert } from "../stdx/assert.ts";
import type { SessionCredentials } from "../acl/acl_client_hook.ts";

export interface ClientOptions {
  /** NameServers: "a:9876;b:9876" or a list. */
  namesrvAddr?: string | readonly string[];
  /** Address this client reports in its clientId; default 127.0.0.1 (Env has no NIC list). */
  clientIp?: string;
  /** Java: "DEFAULT" is replaced by pid#nanoTime; here by `${pid}#${random}`. */
  instanceName?: string;
  /** Process id used in clientId/UNIQ_KEY; default: a random 16-bit number from env.random. */
  pid?: number;
  unitName?: string;
  pollNameServerIntervalMs?: number;
  heartbeatBrokerIntervalMs?: number;
  /** First heartbeat after start (Java: 1 s). */
  heartbeatFirstDelayMs?: number;
  persistConsumerOffsetIntervalMs?: number;
  /** RebalanceService wait interval (Java: 20 s). */
  rebalanceIntervalMs?: number;
  /** Timeout of NameServer and admin calls (Java: 3 s). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** ACL (AclClientRPCHook): every request is signed when accessKey and secretKey are given. */
  accessKey?: string;
  secretKey?: string;
  securityToken?: string;
  /**
   * Header encoding of every request (RocketMQ 4.x `rocketmq.serialize.type`): "JSON" (the
   * default, as in 4.x) or "ROCKETMQ" (the binary header: cheaper to build and parse on both
   * ends). Brokers and NameServers answer in the request's type.
   */
  serializeType?: ClientSerializeType;
}

export type ClientSerializeType = "JSON" | "ROCKETMQ";

export interface ClientConfig {
  readonly namesrvAddrs: readonly string[];
  readonly clientIp: string;
  readonly instanceName: string;
  readonly pid: number;
  readonly unitName: string | undefined;
  readonly pollNameServerIntervalMs: number;
  readonly heartbeatBrokerIntervalMs: number;
  readonly heartbeatFirstDelayMs: number;
  readonly persistConsumerOffsetIntervalMs: number;
  readonly rebalanceIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** ACL credentials; undefined = requests are not signed. */
  readonly credentials: SessionCredentials | undefined;
  readonly serializeType: ClientSerializeType;
}

export const CLIENT_DEFAULTS = {
  pollNameServerIntervalMs: 30_000,
  heartbeatBrokerIntervalMs: 30_000,
  heartbeatFirstDelayMs: 1_000,
  persistConsumerOffsetIntervalMs: 5_000,
  rebalanceIntervalMs: 20_000,
  requestTimeoutMs: 3_000,
  connectTimeoutMs: 3_000,
} as const;

export const DEFAULT_INSTANCE_NAME = "DEFAULT";

function namesrvList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return parseNamesrvList(value, "namesrvAddr");
  return parseNamesrvList(value.join(";"), "namesrvAddr");
}

/**
 * Fills defaults. changeInstanceNameToPid mirrors Java: producers and clustering consumers
 * replace "DEFAULT" by a per-client name; broadcasting consumers keep it (stable clientId, so
 * their local offset file is found again after a restart).
 */
export function resolveClientConfig(env: Env, options: ClientOptions, changeInstanceNameToPid = true): ClientConfig {
  const pid = options.pid ?? env.random.intBetween(1, 65_535);
  let instanceName = options.instanceName ?? DEFAULT_INSTANCE_NAME;
  if (changeInstanceNameToPid && instanceName === DEFAULT_INSTANCE_NAME) {
    instanceName = `${pid}#${env.random.nextU32()}`;
  }
  const config: ClientConfig = {
    namesrvAddrs: namesrvList(options.namesrvAddr),
    clientIp: options.clientIp ?? "127.0.0.1",
    instanceName,
    pid,
    unitName: options.unitName,
    pollNameServerIntervalMs: options.pollNameServerIntervalMs ?? CLIENT_DEFAULTS.pollNameServerIntervalMs,
    heartbeatBrokerIntervalMs: options.heartbeatBrokerIntervalMs ?? CLIENT_DEFAULTS.heartbeatBrokerIntervalMs,
    heartbeatFirstDelayMs: options.heartbeatFirstDelayMs ?? CLIENT_DEFAULTS.heartbeatFirstDelayMs,
    persistConsumerOffsetIntervalMs:
      options.persistConsumerOffsetIntervalMs ?? CLIENT_DEFAULTS.persistConsumerOffsetIntervalMs,
    rebalanceIntervalMs: options.rebalanceIntervalMs ?? CLIENT_DEFAULTS.rebalanceIntervalMs,
    requestTimeoutMs: options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs,
    credentials: credentialsOf(options),
    serializeType: options.serializeType ?? "JSON",
  };
  assert(config.serializeType === "JSON" || config.serializeType === "ROCKETMQ", `unknown serializeType ${config.serializeType}`);
  for (const [name, value] of Object.entries(config)) {
    if (name.endsWith("Ms")) assert(typeof value === "number" && value > 0, `${name} must be positive`);
  }
  return config;
}

/** Both keys or neither: a half-configured client is a programming error, not a runtime state. */
function credentialsOf(options: ClientOptions): SessionCredentials | undefined {
  if (options.accessKey === undefined && options.secretKey === undefined) return undefined;
  assert(options.accessKey !== undefined && options.accessKey !== "", "accessKey must be set with secretKey");
  assert(options.secretKey !== undefined, "secretKey must be set with accessKey");
  return { accessKey: options.accessKey, secretKey: options.secretKey, securityToken: options.securityToken };
}

/** RocketMQ's clientId: ip@instanceName[@unitName]. */
export function buildClientId(config: ClientConfig): string {
  let clientId = `${config.clientIp}@${config.instanceName}`;
  if (config.unitName !== undefined && config.unitName !== "") clientId += `@${config.unitName}`;
  return clientId;
}
