// ProducerManager: producer groups → live channels, from heartbeats [ProducerManager.java].
// Used for GET_PRODUCER_CONNECTION_LIST and (later) transaction checks.
// Invariants: at most one entry per (group, channel); an empty group is removed.
import type { Log } from "../../env/env.ts";
import type { RemotingChannel } from "../../remoting/index.ts";
import type { ClientChannelInfo } from "./client_channel_info.ts";

export class ProducerManager {
  private readonly groupChannelTable = new Map<string, Map<RemotingChannel, ClientChannelInfo>>();

  constructor(private readonly log: Log) {}

  registerProducer(group: string, info: ClientChannelInfo, nowMs: number): void {
    let channels = this.groupChannelTable.get(group);
    if (channels === undefined) {
      channels = new Map();
      this.groupChannelTable.set(group, channels);
    }
    const found = channels.get(info.channel);
    if (found === undefined) {
      channels.set(info.channel, info);
      info.lastUpdateTimestamp = nowMs;
      this.log.info("new producer connected", { group, clientId: info.clientId, remoteAddress: info.channel.remoteAddress });
    } else {
      found.lastUpdateTimestamp = nowMs;
    }
  }

  unregisterProducer(group: string, channel: RemotingChannel): void {
    const channels = this.groupChannelTable.get(group);
    if (channels === undefined) return;
    if (channels.delete(channel)) this.log.info("unregister a producer", { group, remoteAddress: channel.remoteAddress });
    if (channels.size === 0) this.groupChannelTable.delete(group);
  }

  doChannelCloseEvent(channel: RemotingChannel): void {
    for (const [group, channels] of [...this.groupChannelTable]) {
      if (!channels.delete(channel)) continue;
      this.log.info("producer channel closed, removed", { group, remoteAddress: channel.remoteAddress });
      if (channels.size === 0) this.groupChannelTable.delete(group);
    }
  }

  /** Expires producers silent longer than expiredMs; returns their channels (caller closes them). */
  scanNotActiveChannel(nowMs: number, expiredMs: number): RemotingChannel[] {
    const expired: RemotingChannel[] = [];
    for (const [group, channels] of [...this.groupChannelTable]) {
      for (const [channel, info] of [...channels]) {
        if (nowMs - info.lastUpdateTimestamp <= expiredMs) continue;
        channels.delete(channel);
        expired.push(channel);
        this.log.warn("client expired: remove producer channel", { group, clientId: info.clientId, remoteAddress: channel.remoteAddress });
      }
      if (channels.size === 0) this.groupChannelTable.delete(group);
    }
    return expired;
  }

  groupChannels(group: string): ClientChannelInfo[] {
    return [...(this.groupChannelTable.get(group)?.values() ?? [])];
  }

  groups(): string[] {
    return [...this.groupChannelTable.keys()];
  }
}
