// One client connection as the broker knows it from heartbeats [ClientChannelInfo.java].
import type { RemotingChannel } from "../../remoting/index.ts";

export interface ClientChannelInfo {
  readonly channel: RemotingChannel;
  readonly clientId: string;
  readonly language: string;
  readonly version: number;
  /** Wall-clock ms of the last heartbeat (RocketMQ uses currentTimeMillis, so clock skew matters). */
  lastUpdateTimestamp: number;
}
