// ConsumerGroupInfo: the live members (channels) of one consumer group on this broker and the
// union of their subscriptions [broker/.../client/ConsumerGroupInfo.java].
// Invariants: at most one ClientChannelInfo per channel; subscriptionTable holds exactly the
// topics of the latest heartbeat (a heartbeat replaces the set, newer subVersions win).
import type { RemotingChannel } from "../../remoting/index.ts";
import type { SubscriptionData } from "../filter/subscription_data.ts";
import type { ClientChannelInfo } from "./client_channel_info.ts";

/** "CONSUME_ACTIVELY" (pull) or "CONSUME_PASSIVELY" (push); other names are kept verbatim. */
export type ConsumeType = string;
/** "CLUSTERING" or "BROADCASTING"; other names are kept verbatim. */
export type MessageModel = string;

export class ConsumerGroupInfo {
  readonly subscriptionTable = new Map<string, SubscriptionData>();
  readonly channelInfoTable = new Map<RemotingChannel, ClientChannelInfo>();
  lastUpdateTimestamp: number;

  constructor(
    readonly groupName: string,
    public consumeType: ConsumeType,
    public messageModel: MessageModel,
    public consumeFromWhere: string,
    nowMs: number,
  ) {
    this.lastUpdateTimestamp = nowMs;
  }

  findChannel(clientId: string): ClientChannelInfo | undefined {
    for (const info of this.channelInfoTable.values()) if (info.clientId === clientId) return info;
    return undefined;
  }

  allChannels(): RemotingChannel[] {
    return [...this.channelInfoTable.keys()];
  }

  allClientIds(): string[] {
    return [...this.channelInfoTable.values()].map((info) => info.clientId);
  }

  /** Returns true when the channel is new to the group (membership changed). */
  updateChannel(infoNew: ClientChannelInfo, consumeType: ConsumeType, messageModel: MessageModel, consumeFromWhere: string, nowMs: number): boolean {
    this.consumeType = consumeType;
    this.messageModel = messageModel;
    this.consumeFromWhere = consumeFromWhere;
    let updated = false;
    let info = this.channelInfoTable.get(infoNew.channel);
    if (info === undefined) {
      this.channelInfoTable.set(infoNew.channel, infoNew);
      info = infoNew;
      updated = true;
    } else if (info.clientId !== infoNew.clientId) {
      this.channelInfoTable.set(infoNew.channel, infoNew);
      info = infoNew;
    }
    this.lastUpdateTimestamp = nowMs;
    info.lastUpdateTimestamp = nowMs;
    return updated;
  }

  /** Returns true when a topic was added or removed. */
  updateSubscription(subList: readonly SubscriptionData[], nowMs: number): boolean {
    let updated = false;
    for (const sub of subList) {
      const old = this.subscriptionTable.get(sub.topic);
      if (old === undefined) {
        this.subscriptionTable.set(sub.topic, sub);
        updated = true;
      } else if (sub.subVersion > old.subVersion) {
        this.subscriptionTable.set(sub.topic, sub);
      }
    }
    const topics = new Set(subList.map((sub) => sub.topic));
    for (const topic of [...this.subscriptionTable.keys()]) {
      if (!topics.has(topic)) {
        this.subscriptionTable.delete(topic);
        updated = true;
      }
    }
    this.lastUpdateTimestamp = nowMs;
    return updated;
  }

  /** Removes a channel; true when it was a member. */
  removeChannel(channel: RemotingChannel): boolean {
    return this.channelInfoTable.delete(channel);
  }
}
