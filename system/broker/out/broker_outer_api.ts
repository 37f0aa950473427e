// BrokerOuterAPI: the broker's calls to the NameServers [broker/.../out/BrokerOuterAPI.java].
// REGISTER_BROKER goes to every NameServer in parallel, each bounded by the register timeout;
// one NameServer being down never blocks or fails the others (it is logged). UNREGISTER_BROKER
// on shutdown, QUERY_DATA_VERSION when forceRegister=false.
// Invariants: requests use env timers only (through RemotingClient); results are per address.
import type { Env, Log } from "../../env/env.ts";
import { createRequest, RemotingClient, RequestCode, ResponseCode, fromUtf8, utf8 } from "../../remoting/index.ts";
import { parseFastjson } from "../../protocol/fastjson.ts";
import { encodeRegisterBrokerBody } from "../../protocol/register_broker_body.ts";
import type { TopicConfigSerializeWrapper } from "../../protocol/topic_config.ts";
import { crc32 } from "node:zlib";
import { errorText } from "../../stdx/error_text.ts";

/** BrokerOuterAPI.unregisterBroker: invokeSync(namesrvAddr, request, 3000). */
export const UNREGISTER_TIMEOUT_MS = 3_000;

export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  brokerId: number;
}

export interface RegisterBrokerResult {
  namesrvAddr: string;
  /** The master's HA address (slaves connect there); undefined for a master. */
  haServerAddr: string | undefined;
  /** The master's broker address (slaves sync metadata from it). */
  masterAddr: string | undefined;
  /** ORDER_TOPIC_CONFIG KV table from the NameServer, when it has one. */
  kvTable: Record<string, string> | undefined;
}

export interface RegisterOutcome {
  results: RegisterBrokerResult[];
  failures: { namesrvAddr: string; error: string }[];
}

export class BrokerOuterAPI {
  private readonly client: RemotingClient;
  private readonly log: Log;
  private namesrvAddrs: string[];

  constructor(env: Env, namesrvAddrs: readonly string[], options: { connectTimeoutMs?: number } = {}) {
    this.log = env.log.child({ component: "broker-outer-api" });
    this.client = new RemotingClient(env, { name: "broker-outer-api", connectTimeoutMs: options.connectTimeoutMs ?? 3000 });
    this.namesrvAddrs = [...namesrvAddrs];
  }

  get nameServerAddressList(): readonly string[] {
    return this.namesrvAddrs;
  }

  updateNameServerAddressList(addrs: readonly string[]): void {
    this.namesrvAddrs = [...addrs];
  }

  async registerBrokerAll(
    identity: BrokerIdentity, haServerAddr: string, wrapper: TopicConfigSerializeWrapper, timeoutMs: number, compressed: boolean,
  ): Promise<RegisterOutcome> {
    const body = encodeRegisterBrokerBody({ topicConfigSerializeWrapper: wrapper, filterServerList: [] }, compressed);
    const extFields: Record<string, string> = {
      brokerAddr: identity.brokerAddr,
      brokerId: String(identity.brokerId),
      brokerName: identity.brokerName,
      clusterName: identity.clusterName,
      haServerAddr,
      compressed: String(compressed),
      bodyCrc32: String(bodyCrc32(body)),
    };
    const outcome: RegisterOutcome = { results: [], failures: [] };
    await Promise.all(this.namesrvAddrs.map(async (namesrvAddr) => {
      try {
        const response = await this.client.invokeSync(namesrvAddr, createRequest(RequestCode.REGISTER_BROKER, { ...extFields }, body), timeoutMs);
        if (response.code !== ResponseCode.SUCCESS) throw new Error(`code ${response.code} ${response.remark ?? ""}`.trim());
        outcome.results.push({
          namesrvAddr,
          haServerAddr: nonEmpty(response.extFields["haServerAddr"]),
          masterAddr: nonEmpty(response.extFields["masterAddr"]),
          kvTable: response.body === undefined ? undefined : parseKvTable(response.body),
        });
      } catch (error) {
        const text = errorText(error);
        outcome.failures.push({ namesrvAddr, error: text });
      }
    }));
    return outcome;
  }

  /** True when any NameServer's data version differs from ours (or cannot be asked). */
  async needRegister(identity: BrokerIdentity, dataVersion: { counter: number; timestamp: number }, timeoutMs: number): Promise<boolean> {
    const answers = await Promise.all(this.namesrvAddrs.map(async (namesrvAddr) => {
      try {
        const request = createRequest(RequestCode.QUERY_DATA_VERSION, identityFields(identity), utf8(JSON.stringify(dataVersion)));
        const response = await this.client.invokeSync(namesrvAddr, request, timeoutMs);
        if (response.code !== ResponseCode.SUCCESS) return true;
        return response.extFields["changed"] === "true";
      } catch (error) {
        this.log.warn("query data version failed", { namesrvAddr, error: errorText(error) });
        return false;
      }
    }));
    return answers.some((changed) => changed);
  }

  /**
   * 4.9.x unregisterBrokerAll: one NameServer after another, each call waiting at most
   * UNREGISTER_TIMEOUT_MS, so a silent NameServer delays the ones after it in the list.
   */
  async unregisterBrokerAll(identity: BrokerIdentity): Promise<void> {
    for (const namesrvAddr of this.namesrvAddrs) {
      try {
        const response = await this.client.invokeSync(namesrvAddr, createRequest(RequestCode.UNREGISTER_BROKER, identityFields(identity)), UNREGISTER_TIMEOUT_MS);
        if (response.code !== ResponseCode.SUCCESS) throw new Error(`code ${response.code} ${response.remark ?? ""}`.trim());
        this.log.info("unregister broker OK", { namesrvAddr });
      } catch (error) {
        this.log.warn("unregister broker failed", { namesrvAddr, error: errorText(error) });
      }
    }
  }

  /** The remoting client, for master calls a slave makes (metadata sync); HA engineer's seam. */
  get remotingClient(): RemotingClient {
    return this.client;
  }

  shutdown(): void {
    this.client.shutdown();
  }
}

/** UtilAll.crc32: CRC32 masked to a non-negative int (REGISTER_BROKER bodyCrc32). */
export function bodyCrc32(body: Uint8Array): number {
  return crc32(body) & 0x7fffffff;
}

function identityFields(identity: BrokerIdentity): Record<string, string> {
  return {
    brokerName: identity.brokerName,
    brokerAddr: identity.brokerAddr,
    clusterName: identity.clusterName,
    brokerId: String(identity.brokerId),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function parseKvTable(body: Uint8Array): Record<string, string> | undefined {
  try {
    const parsed = parseFastjson(fromUtf8(body)) as { table?: Record<string, unknown> };
    if (typeof parsed.table !== "object" || parsed.table === null) return undefined;
    return Object.fromEntries(Object.entries(parsed.table).map(([key, value]) => [key, String(value)]));
  } catch {
    return undefined;
  }
}
