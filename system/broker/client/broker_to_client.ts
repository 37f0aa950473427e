// Broker2Client: requests the broker sends to clients over their own connections
// [broker/.../client/net/Broker2Client.java]. NOTIFY_CONSUMER_IDS_CHANGED is oneway and
// best-effort (ali-ons ignores it; a closed channel just logs); GET_CONSUMER_RUNNING_INFO
// waits for the client's answer with a timeout (clients that never answer time out).
import type { Log } from "../../env/env.ts";
import { createRequest, RequestCode } from "../../remoting/index.ts";
import type { RemotingChannel, RemotingCommand } from "../../remoting/index.ts";
import { errorText } from "../../stdx/error_text.ts";

export class Broker2Client {
  constructor(private readonly log: Log) {}

  notifyConsumerIdsChanged(channel: RemotingChannel, consumerGroup: string): void {
    if (channel.closed) return;
    try {
      channel.invokeOneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup }));
    } catch (error) {
      this.log.debug("notify consumer ids changed failed", {
        consumerGroup, remoteAddress: channel.remoteAddress, error: errorText(error),
      });
    }
  }

  /** Forwards an admin's request to a client and returns the client's response (may reject). */
  callClient(channel: RemotingChannel, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    return channel.invokeSync(createRequest(request.code, { ...request.extFields }, request.body, { remark: request.remark }), timeoutMs);
  }
}
