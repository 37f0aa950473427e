// ConsumerManager: consumer groups → live members, from heartbeats [ConsumerManager.java].
// Membership changes (join, unregister, channel close, expiry) fire a CHANGE event with the
// remaining members; the controller turns it into NOTIFY_CONSUMER_IDS_CHANGED to each of them.
// Invariants: a group with no channel left is removed; CHANGE fires at most once per change.
import type { Log } from "../../env/env.ts";
import type { RemotingChannel } from "../../remoting/index.ts";
import type { SubscriptionData } from "../filter/subscription_data.ts";
import type { ClientChannelInfo } from "./client_channel_info.ts";
import { ConsumerGroupInfo } from "./consumer_group_info.ts";
import type { ConsumeType, MessageModel } from "./consumer_group_info.ts";
import { probe, type ProbeSite } from "../../env/probe.ts";

export type ConsumerGroupEvent =
  | { kind: "CHANGE"; group: string; channels: RemotingChannel[] }
  | { kind: "UNREGISTER"; group: string }
  | { kind: "REGISTER"; group: string; subscriptions: readonly SubscriptionData[] };

export type ConsumerIdsChangeListener = (event: ConsumerGroupEvent) => void;

export interface ConsumerRegistration {
  group: string;
  clientChannelInfo: ClientChannelInfo;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: string;
  subscriptions: readonly SubscriptionData[];
  notifyConsumerIdsChangedEnable: boolean;
}

export class ConsumerManager {
  private readonly table = new Map<string, ConsumerGroupInfo>();

  constructor(
    private readonly log: Log,
    private readonly listener: ConsumerIdsChangeListener,
    private readonly site: ProbeSite = {},
  ) {}

  getConsumerGroupInfo(group: string): ConsumerGroupInfo | undefined {
    return this.table.get(group);
  }

  groups(): string[] {
    return [...this.table.keys()];
  }

  findSubscriptionData(group: string, topic: string): SubscriptionData | undefined {
    return this.table.get(group)?.subscriptionTable.get(topic);
  }

  findChannel(group: string, clientId: string): ClientChannelInfo | undefined {
    return this.table.get(group)?.findChannel(clientId);
  }

  /** Returns true when membership or the subscribed topics changed. */
  registerConsumer(registration: ConsumerRegistration, nowMs: number): boolean {
    const { group } = registration;
    let info = this.table.get(group);
    if (info === undefined) {
      info = new ConsumerGroupInfo(group, registration.consumeType, registration.messageModel, registration.consumeFromWhere, nowMs);
      this.table.set(group, info);
    }
    const joined = info.updateChannel(registration.clientChannelInfo, registration.consumeType, registration.messageModel, registration.consumeFromWhere, nowMs);
    const resubscribed = info.updateSubscription(registration.subscriptions, nowMs);
    if (joined) {
      this.log.info("new consumer connected", {
        group, clientId: registration.clientChannelInfo.clientId, remoteAddress: registration.clientChannelInfo.channel.remoteAddress,
        members: info.channelInfoTable.size, messageModel: registration.messageModel,
      });
    }
    if ((joined || resubscribed) && registration.notifyConsumerIdsChangedEnable) {
      this.listener({ kind: "CHANGE", group, channels: info.allChannels() });
    }
    this.listener({ kind: "REGISTER", group, subscriptions: registration.subscriptions });
    return joined || resubscribed;
  }

  unregisterConsumer(group: string, channel: RemotingChannel, notify: boolean): void {
    const info = this.table.get(group);
    if (info === undefined) return;
    const removed = info.removeChannel(channel);
    if (removed) this.log.info("unregister a consumer", { group, remoteAddress: channel.remoteAddress, members: info.channelInfoTable.size });
    this.dropIfEmpty(info);
    if (notify) this.listener({ kind: "CHANGE", group, channels: info.allChannels() });
  }

  /** Channel closed: remove it from every group and notify the remaining members. */
  doChannelCloseEvent(channel: RemotingChannel): void {
    for (const info of [...this.table.values()]) {
      if (!info.removeChannel(channel)) continue;
      probe(this.site, "broker.client.consumer-channel-closed");
      this.log.info("consumer channel closed, removed from group", { group: info.groupName, remoteAddress: channel.remoteAddress, members: info.channelInfoTable.size });
      this.dropIfEmpty(info);
      this.listener({ kind: "CHANGE", group: info.groupName, channels: info.allChannels() });
    }
  }

  /** Expires members silent longer than expiredMs; returns the expired channels (caller closes them). */
  scanNotActiveChannel(nowMs: number, expiredMs: number): RemotingChannel[] {
    const expired: RemotingChannel[] = [];
    for (const info of [...this.table.values()]) {
      let changed = false;
      for (const [channel, client] of [...info.channelInfoTable]) {
        if (nowMs - client.lastUpdateTimestamp <= expiredMs) continue;
        info.removeChannel(channel);
        expired.push(channel);
        changed = true;
        probe(this.site, "broker.client.consumer-expired");
        this.log.warn("client expired: remove consumer channel", {
          group: info.groupName, clientId: client.clientId, remoteAddress: channel.remoteAddress, silentMs: nowMs - client.lastUpdateTimestamp,
        });
      }
      if (!changed) continue;
      this.dropIfEmpty(info);
      this.listener({ kind: "CHANGE", group: info.groupName, channels: info.allChannels() });
    }
    return expired;
  }

  /** Groups subscribed to topic (QUERY_TOPIC_CONSUME_BY_WHO). */
  queryTopicConsumeByWho(topic: string): Set<string> {
    const groups = new Set<string>();
    for (const [group, info] of this.table) if (info.subscriptionTable.has(topic)) groups.add(group);
    return groups;
  }

  private dropIfEmpty(info: ConsumerGroupInfo): void {
    if (info.channelInfoTable.size > 0 || this.table.get(info.groupName) !== info) return;
    this.table.delete(info.groupName);
    this.log.info("consumer group has no connection left, removed", { group: info.groupName });
    this.listener({ kind: "UNREGISTER", group: info.groupName });
  }
}
