// The remoting server: listens through env.net on one or more ports with the same processors
// (the broker also listens on listenPort − 2, its VIP channel), wraps each accepted connection
// in a ConnectionChannel, and reports channel connect/close events (the namesrv drops a broker
// at once when its channel closes; the broker tracks client channels).
// Invariants: every live channel is in `channels` exactly until its close event; shutdown()
// closes listeners and channels and fails their pending server→client requests.
import type { Env, Listener, Log } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { FRAME_SIZE_MAX_DEFAULT } from "./frame_decoder.ts";
import { ConnectionChannel, OpaqueCounter } from "./remoting_channel.ts";
import type { RemotingChannel } from "./remoting_channel.ts";
import { RequestDispatcher } from "./request_dispatcher.ts";
import type { RequestHook, RequestProcessor } from "./request_dispatcher.ts";

/** Requests one connection may have waiting for responses (RocketMQ bounds them by semaphores). */
export const REQUEST_TABLE_MAX_DEFAULT = 65_536;

export interface RemotingServerOptions {
  frameSizeMax?: number;
  requestTableMax?: number;
  /** Log component name (default "remoting-server"). */
  name?: string;
}

export type ChannelListener = (channel: RemotingChannel, reason?: Error) => void;

export class RemotingServer {
  private readonly log: Log;
  private readonly dispatcher: RequestDispatcher;
  private readonly opaques = new OpaqueCounter();
  private readonly liveChannels = new Map<number, ConnectionChannel>();
  private readonly listeners: Listener[] = [];
  private readonly connectListeners: ChannelListener[] = [];
  private readonly closeListeners: ChannelListener[] = [];
  private nextChannelId = 1;
  private isShutdown = false;
  private readonly frameSizeMax: number;
  private readonly requestTableMax: number;

  constructor(
    private readonly env: Env,
    options: RemotingServerOptions = {},
  ) {
    this.log = env.log.child({ component: options.name ?? "remoting-server" });
    this.dispatcher = new RequestDispatcher(this.log);
    this.frameSizeMax = options.frameSizeMax ?? FRAME_SIZE_MAX_DEFAULT;
    this.requestTableMax = options.requestTableMax ?? REQUEST_TABLE_MAX_DEFAULT;
    assert(this.requestTableMax > 0, "requestTableMax must be positive");
  }

  registerProcessor(code: number, processor: RequestProcessor): void {
    this.dispatcher.registerProcessor(code, processor);
  }

  registerDefaultProcessor(processor: RequestProcessor): void {
    this.dispatcher.registerDefaultProcessor(processor);
  }

  /** Runs before every processor (the broker's ACL check); see RequestHook. */
  registerRequestHook(hook: RequestHook): void {
    this.dispatcher.registerRequestHook(hook);
  }

  onChannelConnect(listener: ChannelListener): void {
    this.connectListeners.push(listener);
  }

  onChannelClose(listener: ChannelListener): void {
    this.closeListeners.push(listener);
  }

  /** Starts listening on host:port (port 0 = ephemeral); rejects with NetError EADDRINUSE when taken. */
  async listen(host: string, port: number): Promise<Listener> {
    assert(!this.isShutdown, "listen after shutdown");
    const listener = await this.env.net.listen(host, port, (connection) => {
      if (this.isShutdown) {
        connection.destroy();
        return;
      }
      const channel = new ConnectionChannel(this.nextChannelId++, connection, {
        clock: this.env.clock,
        timers: this.env.timers,
        log: this.log,
        opaques: this.opaques,
        dispatcher: this.dispatcher,
        frameSizeMax: this.frameSizeMax,
        requestTableMax: this.requestTableMax,
        probes: this.env.probes,
        bodiesMayViewChunks: true,
      });
      this.liveChannels.set(channel.channelId, channel);
      channel.onClose((reason) => this.channelClosed(channel, reason));
      this.log.debug("channel connected", { remoteAddress: channel.remoteAddress, channelId: channel.channelId });
      for (const notify of this.connectListeners) notify(channel);
    });
    this.listeners.push(listener);
    this.log.info("remoting server listening", { address: listener.address });
    return listener;
  }

  /** Live channels, in accept order. */
  channels(): RemotingChannel[] {
    return [...this.liveChannels.values()];
  }

  /** Bound addresses of every listener ("ip:port"). */
  addresses(): string[] {
    return this.listeners.map((listener) => listener.address);
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    for (const channel of [...this.liveChannels.values()]) channel.close();
    await Promise.all(this.listeners.map((listener) => listener.close()));
    this.listeners.length = 0;
  }

  private channelClosed(channel: ConnectionChannel, reason: Error | undefined): void {
    if (!this.liveChannels.delete(channel.channelId)) return;
    this.log.debug("channel closed", { remoteAddress: channel.remoteAddress, channelId: channel.channelId, reason: reason?.message });
    for (const notify of this.closeListeners) notify(channel, reason);
  }
}
