// SubscriptionGroupManager: consumer group configs, persisted as <root>/config/subscriptionGroup.json
// [broker/.../subscription/SubscriptionGroupManager.java]. Groups are auto-created on first use
// when autoCreateSubscriptionGroup is on (and always for CID_RMQ_SYS_ groups).
// Invariants: every mutation bumps dataVersion and persists.
import type { Env, Log } from "../env/env.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import { JsonConfigFile, VersionedTable } from "./config_file.ts";
import type { DataVersion } from "./data_version.ts";
import { configDir } from "./topic_config_manager.ts";
import { newSubscriptionGroupConfig } from "../protocol/admin_bodies.ts";
import type { SubscriptionGroupConfig } from "../protocol/admin_bodies.ts";

export type { SubscriptionGroupConfig };
export { newSubscriptionGroupConfig };

export const SYS_CONSUMER_GROUP_PREFIX = "CID_RMQ_SYS_";

/**
 * Parses a subscriptionGroup.json / UPDATE_AND_CREATE_SUBSCRIPTIONGROUP entry leniently: missing
 * or malformed fields take the defaults (the protocol layer's subscriptionGroupConfigFromJson
 * rejects them instead, which would stop a broker from starting on an old file).
 */
export function subscriptionGroupConfigFromJson(value: unknown, nameFallback: string): SubscriptionGroupConfig {
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const defaults = newSubscriptionGroupConfig(typeof record["groupName"] === "string" ? record["groupName"] : nameFallback);
  const bool = (key: keyof SubscriptionGroupConfig, fallback: boolean): boolean => {
    const raw = record[key];
    return raw === undefined || raw === null ? fallback : raw === true || raw === "true";
  };
  const int = (key: keyof SubscriptionGroupConfig, fallback: number): number => {
    const raw = Number(record[key]);
    return record[key] === undefined || !Number.isInteger(raw) ? fallback : raw;
  };
  return {
    groupName: defaults.groupName,
    consumeEnable: bool("consumeEnable", defaults.consumeEnable),
    consumeFromMinEnable: bool("consumeFromMinEnable", defaults.consumeFromMinEnable),
    consumeBroadcastEnable: bool("consumeBroadcastEnable", defaults.consumeBroadcastEnable),
    retryQueueNums: int("retryQueueNums", defaults.retryQueueNums),
    retryMaxTimes: int("retryMaxTimes", defaults.retryMaxTimes),
    brokerId: int("brokerId", defaults.brokerId),
    whichBrokerWhenConsumeSlowly: int("whichBrokerWhenConsumeSlowly", defaults.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: bool("notifyConsumerIdsChangedEnable", defaults.notifyConsumerIdsChangedEnable),
  };
}

export class SubscriptionGroupManager {
  readonly dataVersion: DataVersion;
  private readonly versioned: VersionedTable<SubscriptionGroupConfig>;
  private readonly table: Map<string, SubscriptionGroupConfig>;
  private readonly file: JsonConfigFile;
  private readonly log: Log;

  constructor(
    env: Env,
    private readonly brokerConfig: BrokerConfig,
  ) {
    this.log = env.log.child({ component: "subscription-group" });
    this.versioned = new VersionedTable(env.clock, {
      tableKey: "subscriptionGroupTable", fromJson: subscriptionGroupConfigFromJson, nameOf: (config) => config.groupName,
    });
    this.table = this.versioned.entries;
    this.dataVersion = this.versioned.dataVersion;
    this.file = new JsonConfigFile(env, `${configDir(brokerConfig)}/subscriptionGroup.json`, () => this.encode());
    for (const name of ["TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP"]) {
      this.table.set(name, newSubscriptionGroupConfig(name));
    }
    for (const name of ["CID_ONS-HTTP-PROXY", "CID_ONSAPI_PULL", "CID_ONSAPI_PERMISSION", "CID_ONSAPI_OWNER"]) {
      this.table.set(name, newSubscriptionGroupConfig(name, { consumeBroadcastEnable: true }));
    }
  }

  get path(): string {
    return this.file.path;
  }

  load(): void {
    const content = this.file.loadObject();
    if (content === undefined) return;
    this.versioned.merge(content);
    this.log.info("subscription groups loaded", { path: this.file.path, groups: this.table.size });
  }

  /** Slave metadata sync with a master's GET_ALL_SUBSCRIPTIONGROUP_CONFIG body; true when changed. */
  syncFromMaster(content: unknown): boolean {
    if (!this.versioned.replaceFromMaster(content)) return false;
    this.file.persistSoon();
    this.log.info("subscription groups synced from master", { groups: this.table.size });
    return true;
  }

  persist(): Promise<void> {
    return this.file.persist();
  }

  /** The group's config, auto-created when allowed; undefined when it does not exist. */
  findSubscriptionGroupConfig(group: string): SubscriptionGroupConfig | undefined {
    const existing = this.table.get(group);
    if (existing !== undefined) return existing;
    if (!this.brokerConfig.autoCreateSubscriptionGroup && !group.startsWith(SYS_CONSUMER_GROUP_PREFIX)) return undefined;
    const config = newSubscriptionGroupConfig(group);
    this.table.set(group, config);
    this.log.info("auto create a subscription group", { group });
    this.changed();
    return config;
  }

  /** Looks up without creating. */
  get(group: string): SubscriptionGroupConfig | undefined {
    return this.table.get(group);
  }

  updateSubscriptionGroupConfig(config: SubscriptionGroupConfig): void {
    const old = this.table.get(config.groupName);
    this.table.set(config.groupName, { ...config });
    this.log.info(old === undefined ? "create new subscription group" : "update subscription group config", { group: config.groupName });
    this.changed();
  }

  deleteSubscriptionGroupConfig(group: string): boolean {
    if (!this.table.delete(group)) {
      this.log.warn("delete subscription group failed: not exist", { group });
      return false;
    }
    this.log.info("delete subscription group", { group });
    this.changed();
    return true;
  }

  groups(): SubscriptionGroupConfig[] {
    return [...this.table.values()];
  }

  /** Body of GET_ALL_SUBSCRIPTIONGROUP_CONFIG (and the file's content). */
  encode(): { subscriptionGroupTable: Record<string, SubscriptionGroupConfig>; dataVersion: { counter: number; timestamp: number } } {
    const subscriptionGroupTable: Record<string, SubscriptionGroupConfig> = {};
    for (const [name, config] of this.table) subscriptionGroupTable[name] = config;
    return { subscriptionGroupTable, dataVersion: this.dataVersion.toJSON() };
  }

  private changed(): void {
    this.dataVersion.nextVersion();
    this.file.persistSoon();
  }
}
