// ConsumerOffsetManager: committed consume offsets per (topic@group, queueId), persisted as
// <root>/config/consumerOffset.json [broker/.../offset/ConsumerOffsetManager.java]. The
// controller flushes it every flushConsumerOffsetInterval and on shutdown.
// Invariants: offsets are non-negative integers (a client's -1 "nothing yet" is ignored, as
// ali-ons sends -1 for offset 0); keys are `${topic}@${group}`.
import type { Env, Log } from "../env/env.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import { JsonConfigFile } from "./config_file.ts";
import { configDir } from "./topic_config_manager.ts";
import { probe } from "../env/probe.ts";

export const TOPIC_GROUP_SEPARATOR = "@";

export class ConsumerOffsetManager {
  private readonly table = new Map<string, Map<number, number>>();
  private readonly file: JsonConfigFile;
  private readonly log: Log;
  private changedSincePersist = false;

  constructor(private readonly env: Env, brokerConfig: BrokerConfig) {
    this.log = env.log.child({ component: "consumer-offset" });
    this.file = new JsonConfigFile(env, `${configDir(brokerConfig)}/consumerOffset.json`, () => this.encode());
  }

  get path(): string {
    return this.file.path;
  }

  load(): void {
    const content = this.file.loadObject();
    if (content === undefined) return;
    this.assign(content);
    this.log.info("consumer offsets loaded", { path: this.file.path, entries: this.table.size });
  }

  /** Replaces the table with a GET_ALL_CONSUMER_OFFSET body / file content. */
  assign(content: unknown): void {
    this.table.clear();
    for (const [key, map] of parseOffsetTable(content)) this.table.set(key, map);
    this.changedSincePersist = true;
  }

  /**
   * Slave sync (SlaveSynchronize.syncConsumerOffset, RocketMQ 4.9.7): the master's entry for each
   * "topic@group" key replaces ours (putAll); keys only the slave has (offsets committed to it
   * while the master was away) stay. Returns the number of keys taken from the master.
   */
  putAllFromMaster(content: unknown): number {
    const entries = parseOffsetTable(content);
    for (const [key, map] of entries) this.table.set(key, map);
    if (entries.size > 0) this.changedSincePersist = true;
    return entries.size;
  }

  /** Stores a committed offset; negative offsets are ignored (returns false). */
  commitOffset(clientHost: string, group: string, topic: string, queueId: number, offset: number): boolean {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isInteger(queueId) || queueId < 0) return false;
    const key = topic + TOPIC_GROUP_SEPARATOR + group;
    let map = this.table.get(key);
    if (map === undefined) {
      map = new Map();
      this.table.set(key, map);
    }
    const old = map.get(queueId);
    map.set(queueId, offset);
    if (old !== undefined && offset < old) {
      probe(this.env, "broker.offset.commit-regressed");
      this.log.warn("update consumer offset less than store", { clientHost, key, queueId, requestOffset: offset, storeOffset: old });
    }
    if (old !== offset) this.changedSincePersist = true;
    return true;
  }

  /** The committed offset, or -1 when none. */
  queryOffset(group: string, topic: string, queueId: number): number {
    return this.table.get(topic + TOPIC_GROUP_SEPARATOR + group)?.get(queueId) ?? -1;
  }

  queryOffsets(group: string, topic: string): ReadonlyMap<number, number> | undefined {
    return this.table.get(topic + TOPIC_GROUP_SEPARATOR + group);
  }

  whichTopicByConsumer(group: string): Set<string> {
    const topics = new Set<string>();
    for (const key of this.table.keys()) {
      const [topic, owner] = splitKey(key);
      if (owner === group && topic !== undefined) topics.add(topic);
    }
    return topics;
  }

  whichGroupByTopic(topic: string): Set<string> {
    const groups = new Set<string>();
    for (const key of this.table.keys()) {
      const [owner, group] = splitKey(key);
      if (owner === topic && group !== undefined) groups.add(group);
    }
    return groups;
  }

  removeOffset(group: string): void {
    for (const key of [...this.table.keys()]) {
      if (splitKey(key)[1] === group) {
        this.table.delete(key);
        this.changedSincePersist = true;
        this.log.warn("clean group offset", { key });
      }
    }
  }

  /** Drops every group's offsets of a deleted topic. */
  removeTopic(topic: string): void {
    for (const key of [...this.table.keys()]) {
      if (splitKey(key)[0] === topic) {
        this.table.delete(key);
        this.changedSincePersist = true;
      }
    }
  }

  /** Writes consumerOffset.json when something changed since the last write (or when forced). */
  async persist(force = false): Promise<void> {
    if (!force && !this.changedSincePersist) return;
    this.changedSincePersist = false;
    try {
      await this.file.persist();
    } catch (error) {
      this.changedSincePersist = true;
      throw error;
    }
  }

  /** `{"offsetTable":{"topic@group":{"0":12}}}`; the file and GET_ALL_CONSUMER_OFFSET body. */
  encode(): { offsetTable: Record<string, Record<string, number>> } {
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [key, map] of this.table) {
      const queues: Record<string, number> = {};
      for (const [queueId, offset] of [...map].sort((a, b) => a[0] - b[0])) queues[String(queueId)] = offset;
      offsetTable[key] = queues;
    }
    return { offsetTable };
  }
}

/** `{"offsetTable":{"topic@group":{"0":12}}}` → key → (queueId → offset); bad entries skipped. */
function parseOffsetTable(content: unknown): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  if (typeof content !== "object" || content === null) return out;
  const offsetTable = (content as Record<string, unknown>)["offsetTable"];
  if (typeof offsetTable !== "object" || offsetTable === null) return out;
  for (const [key, queues] of Object.entries(offsetTable as Record<string, unknown>)) {
    if (typeof queues !== "object" || queues === null) continue;
    const map = new Map<number, number>();
    for (const [queueId, offset] of Object.entries(queues as Record<string, unknown>)) {
      const id = Number(queueId);
      const value = Number(offset);
      if (Number.isInteger(id) && Number.isSafeInteger(value) && value >= 0) map.set(id, value);
    }
    out.set(key, map);
  }
  return out;
}

function splitKey(key: string): [string | undefined, string | undefined] {
  const parts = key.split(TOPIC_GROUP_SEPARATOR);
  return parts.length === 2 ? [parts[0], parts[1]] : [undefined, undefined];
}
