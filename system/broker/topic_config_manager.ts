// TopicConfigManager: the broker's topic table, persisted as <root>/config/topics.json.
// Starts with the system topics RocketMQ 4.9.7 registers (TopicConfigManager's constructor);
// entries from the file override them. Creates topics on send (from an inheritable default
// topic such as TBW102), retry topics on consumer heartbeat and DLQ topics on send-back.
// Invariants: every mutation bumps dataVersion, persists, and notifies change listeners (the
// controller re-registers with every NameServer at once); topic names in the table are valid.
import type { Env, Log } from "../env/env.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import { SystemTopic } from "../message/index.ts";
import { JsonConfigFile, VersionedTable } from "./config_file.ts";
import type { DataVersion } from "./data_version.ts";
import { isInherited, Perm } from "../protocol/topic_config.ts";
import { newTopicConfig, topicConfigEquals, topicConfigFromJson, topicConfigToJson } from "./topic_config.ts";
import type { TopicConfigSerializeWrapper } from "../protocol/topic_config.ts";
import type { TopicConfig } from "./topic_config.ts";

/** Queue count of SCHEDULE_TOPIC_XXXX: one queue per delay level. */
export const SCHEDULE_TOPIC_QUEUE_NUM = 18;
export const REPLY_TOPIC_POSTFIX = "REPLY_TOPIC";

export type TopicChangeListener = (reason: string, topic: string) => void;

export type { TopicConfigSerializeWrapper };

export function configDir(brokerConfig: Pick<BrokerConfig, "storePathRootDir">): string {
  return `${brokerConfig.storePathRootDir}/config`;
}

export class TopicConfigManager {
  readonly dataVersion: DataVersion;
  private readonly versioned: VersionedTable<TopicConfig>;
  private readonly table: Map<string, TopicConfig>;
  private readonly systemTopics = new Set<string>();
  private readonly listeners: TopicChangeListener[] = [];
  private readonly file: JsonConfigFile;
  private readonly log: Log;

  constructor(
    env: Env,
    private readonly brokerConfig: BrokerConfig,
  ) {
    this.log = env.log.child({ component: "topic-config" });
    this.versioned = new VersionedTable(env.clock, {
      tableKey: "topicConfigTable", fromJson: topicConfigFromJson, nameOf: (config) => config.topicName,
    });
    this.table = this.versioned.entries;
    this.dataVersion = this.versioned.dataVersion;
    this.file = new JsonConfigFile(env, `${configDir(brokerConfig)}/topics.json`, () => this.encode());
    this.registerSystemTopics();
  }

  get path(): string {
    return this.file.path;
  }

  onChange(listener: TopicChangeListener): void {
    this.listeners.push(listener);
  }

  /** Loads topics.json over the system topics; throws ConfigFileError when it is unreadable. */
  load(): void {
    const content = this.file.loadObject();
    if (content === undefined) return;
    this.versioned.merge(content);
    this.log.info("topic config loaded", { path: this.file.path, topics: this.table.size });
  }

  /**
   * Slave metadata sync [SlaveSynchronize.syncTopicConfig]: replaces the table with a master's
   * GET_ALL_TOPIC_CONFIG body when its dataVersion differs; returns true when it changed.
   */
  syncFromMaster(content: unknown): boolean {
    if (!this.versioned.replaceFromMaster(content)) return false;
    this.file.persistSoon();
    this.log.info("topic config synced from master", { topics: this.table.size, dataVersion: this.dataVersion.toJSON() });
    return true;
  }

  persist(): Promise<void> {
    return this.file.persist();
  }

  selectTopicConfig(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  isSystemTopic(topic: string): boolean {
    return this.systemTopics.has(topic);
  }

  topics(): TopicConfig[] {
    return [...this.table.values()];
  }

  /**
   * Auto-create on send [createTopicInSendMessageMethod]: a copy of the inheritable default
   * topic with min(client's queue count, default's write queues) queues and the inherit bit
   * cleared. Returns undefined when the default topic is missing or not inheritable.
   */
  createTopicInSendMessageMethod(
    topic: string, defaultTopic: string, remoteAddress: string, clientDefaultTopicQueueNums: number, topicSysFlag: number,
  ): TopicConfig | undefined {
    const existing = this.table.get(topic);
    if (existing !== undefined) return existing;
    const template = this.table.get(defaultTopic);
    if (template === undefined) {
      this.log.warn("create new topic failed: default topic does not exist", { topic, defaultTopic, producer: remoteAddress });
      return undefined;
    }
    if (defaultTopic === SystemTopic.AUTO_CREATE_TOPIC_KEY && !this.brokerConfig.autoCreateTopicEnable) {
      // TBW102 loaded from an older topics.json stops being a template once auto-create is off.
      template.perm = Perm.READ | Perm.WRITE;
    }
    if (!isInherited(template.perm)) {
      this.log.warn("create new topic failed: default topic is not inheritable", { topic, defaultTopic, perm: template.perm, producer: remoteAddress });
      return undefined;
    }
    const queueNums = Math.max(0, Math.min(clientDefaultTopicQueueNums, template.writeQueueNums));
    const config = newTopicConfig(topic, {
      readQueueNums: queueNums,
      writeQueueNums: queueNums,
      perm: template.perm & ~Perm.INHERIT,
      topicSysFlag,
      topicFilterType: template.topicFilterType,
    });
    this.log.info("create new topic by default topic", { topic, defaultTopic, queueNums, perm: config.perm, producer: remoteAddress });
    this.put(config, "auto-create on send");
    return config;
  }

  /** Retry and DLQ topics [createTopicInSendMessageBackMethod]: fixed queue count and perm. */
  createTopicInSendMessageBackMethod(topic: string, queueNums: number, perm: number, topicSysFlag: number): TopicConfig {
    const existing = this.table.get(topic);
    if (existing !== undefined) return existing;
    const config = newTopicConfig(topic, { readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicSysFlag });
    this.log.info("create new topic", { topic, queueNums, perm });
    this.put(config, "auto-create retry/dlq");
    return config;
  }

  /** Create or replace (admin UPDATE_AND_CREATE_TOPIC); returns false when nothing changed. */
  updateTopicConfig(config: TopicConfig): boolean {
    const old = this.table.get(config.topicName);
    if (old !== undefined && topicConfigEquals(old, config)) return false;
    this.log.info(old === undefined ? "create new topic" : "update topic config", { topic: config.topicName, old, config });
    this.put({ ...config }, old === undefined ? "admin create" : "admin update");
    return true;
  }

  deleteTopicConfig(topic: string): boolean {
    if (!this.table.delete(topic)) {
      this.log.warn("delete topic config failed: not exists", { topic });
      return false;
    }
    this.log.info("delete topic config", { topic });
    this.changed("delete", topic);
    return true;
  }

  /**
   * The NameServer's ORDER_TOPIC_CONFIG table (from a REGISTER_BROKER reply) decides which
   * topics are ordered [updateOrderTopicConfig]; a reply without that table changes nothing.
   */
  updateOrderTopicConfig(orderTopics: Readonly<Record<string, string>>): void {
    let changed = false;
    for (const config of this.table.values()) {
      const order = Object.hasOwn(orderTopics, config.topicName);
      if (config.order === order) continue;
      config.order = order;
      changed = true;
      this.log.info("update order topic config", { topic: config.topicName, order });
    }
    if (!changed) return;
    this.dataVersion.nextVersion();
    this.file.persistSoon();
  }

  /** The topic part of REGISTER_BROKER (copies: callers may change them). */
  buildSerializeWrapper(): TopicConfigSerializeWrapper {
    const topicConfigTable = new Map([...this.table].map(([name, config]) => [name, { ...config }]));
    return { topicConfigTable, dataVersion: this.dataVersion.toJSON() };
  }

  /** topics.json content and the GET_ALL_TOPIC_CONFIG body (plain JSON, string keys). */
  encode(): { dataVersion: { counter: number; timestamp: number }; topicConfigTable: Record<string, Record<string, unknown>> } {
    const topicConfigTable: Record<string, Record<string, unknown>> = {};
    for (const [name, config] of this.table) topicConfigTable[name] = topicConfigToJson(config);
    return { dataVersion: this.dataVersion.toJSON(), topicConfigTable };
  }

  private put(config: TopicConfig, reason: string): void {
    this.table.set(config.topicName, config);
    this.changed(reason, config.topicName);
  }

  private changed(reason: string, topic: string): void {
    this.dataVersion.nextVersion();
    this.file.persistSoon();
    for (const listener of this.listeners) listener(reason, topic);
  }

  private addSystem(config: TopicConfig): void {
    this.systemTopics.add(config.topicName);
    this.table.set(config.topicName, config);
  }

  private registerSystemTopics(): void {
    const brokerConfig = this.brokerConfig;
    const rw = Perm.READ | Perm.WRITE;
    this.addSystem(newTopicConfig(SystemTopic.SELF_TEST_TOPIC, { readQueueNums: 1, writeQueueNums: 1 }));
    if (brokerConfig.autoCreateTopicEnable) {
      this.addSystem(newTopicConfig(SystemTopic.AUTO_CREATE_TOPIC_KEY, {
        readQueueNums: brokerConfig.defaultTopicQueueNums,
        writeQueueNums: brokerConfig.defaultTopicQueueNums,
        perm: Perm.INHERIT | rw,
      }));
    }
    this.addSystem(newTopicConfig(SystemTopic.BENCHMARK_TOPIC, { readQueueNums: 1024, writeQueueNums: 1024 }));
    this.addSystem(newTopicConfig(brokerConfig.brokerClusterName, {
      perm: Perm.INHERIT | (brokerConfig.clusterTopicEnable ? rw : 0),
    }));
    this.addSystem(newTopicConfig(brokerConfig.brokerName, {
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: Perm.INHERIT | (brokerConfig.brokerTopicEnable ? rw : 0),
    }));
    this.addSystem(newTopicConfig(SystemTopic.OFFSET_MOVED_EVENT, { readQueueNums: 1, writeQueueNums: 1 }));
    this.addSystem(newTopicConfig(SystemTopic.SCHEDULE_TOPIC, {
      readQueueNums: SCHEDULE_TOPIC_QUEUE_NUM,
      writeQueueNums: SCHEDULE_TOPIC_QUEUE_NUM,
    }));
    this.addSystem(newTopicConfig(`${brokerConfig.brokerClusterName}_${REPLY_TOPIC_POSTFIX}`, { readQueueNums: 1, writeQueueNums: 1 }));
    if (brokerConfig.traceTopicEnable) this.addSystem(newTopicConfig(brokerConfig.msgTraceTopicName, { readQueueNums: 1, writeQueueNums: 1 }));
  }
}
