// Test support: a RemotingChannel that records what the broker sends to a client.
import type { RemotingChannel, RemotingCommand } from "../../remoting/index.ts";

export class FakeChannel implements RemotingChannel {
  static nextId = 1;
  readonly channelId = FakeChannel.nextId++;
  readonly localAddress = "127.0.0.1:10911";
  readonly oneways: RemotingCommand[] = [];
  closed = false;

  constructor(readonly remoteAddress: string) {}

  invokeSync(_request: RemotingCommand, _timeoutMs: number): Promise<RemotingCommand> {
    return Promise.reject(new Error("FakeChannel does not answer requests"));
  }

  invokeOneway(request: RemotingCommand): void {
    this.oneways.push(request);
  }

  close(): void {
    this.closed = true;
  }
}
