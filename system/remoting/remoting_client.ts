// The remoting client: one connection per "ip:port", created lazily on first use and shared by
// all callers; a closed connection is forgotten so the next call reconnects. Offers RocketMQ's
// three call styles (invokeSync, invokeOneway, invokeAsync) and handles server-initiated
// requests (NOTIFY_CONSUMER_IDS_CHANGED, GET_CONSUMER_RUNNING_INFO, ...) through processors.
// Invariants: at most one connection (or connect attempt) per address; timeouts use env.timers
// and env.clock only; the connect time counts against invokeSync's timeout (as in Java).
import type { Env, Log } from "../env/env.ts";
import { NetError } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { FRAME_SIZE_MAX_DEFAULT } from "./frame_decoder.ts";
import { ConnectionChannel, OpaqueCounter } from "./remoting_channel.ts";
import type { RemotingChannel } from "./remoting_channel.ts";
import type { RemotingCommand, SerializeType } from "./remoting_command.ts";
import { RemotingConnectError, RemotingSendRequestError, RemotingTimeoutError } from "./remoting_errors.ts";
import { requestCodeName } from "./request_code.ts";
import { RequestDispatcher } from "./request_dispatcher.ts";
import type { RequestProcessor } from "./request_dispatcher.ts";
import { REQUEST_TABLE_MAX_DEFAULT } from "./remoting_server.ts";
import { probe } from "../env/probe.ts";
import { errorText } from "../stdx/error_text.ts";

/** NettyClientConfig.connectTimeoutMillis default. */
export const CONNECT_TIMEOUT_MS_DEFAULT = 3000;

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  frameSizeMax?: number;
  requestTableMax?: number;
  /** Log component name (default "remoting-client"). */
  name?: string;
  /** Called on every outgoing request before it is written (RocketMQ's client RPCHook: ACL signing). */
  rpcHook?: ClientRpcHook;
  /**
   * Header encoding of every request this client sends (RocketMQ's `rocketmq.serialize.type`,
   * RemotingCommand.serializeTypeConfigInThisServer); undefined: each request's own (JSON unless
   * built otherwise). Servers answer in the request's type.
   */
  serializeType?: SerializeType;
}

/** RocketMQ's RPCHook.doBeforeRequest on the client side; may add extFields to the request. */
export interface ClientRpcHook {
  doBeforeRequest(addr: string, request: RemotingCommand): void;
}

export type InvokeCallback = (error: Error | undefined, response: RemotingCommand | undefined) => void;

/** Splits "host:port" (the last colon separates the port, so IPv6 hosts work). */
export function parseAddress(addr: string): { host: string; port: number } {
  const colon = addr.lastIndexOf(":");
  const port = Number(addr.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RemotingConnectError(addr, "address must be host:port");
  }
  return { host: addr.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port };
}

export class RemotingClient {
  private readonly log: Log;
  private readonly dispatcher: RequestDispatcher;
  private readonly opaques = new OpaqueCounter();
  private readonly connected = new Map<string, ConnectionChannel>();
  private readonly connecting = new Map<string, Promise<ConnectionChannel>>();
  private readonly closeListeners: ((addr: string, channel: RemotingChannel) => void)[] = [];
  private readonly connectTimeoutMs: number;
  private readonly frameSizeMax: number;
  private readonly requestTableMax: number;
  private nextChannelId = 1;
  private isShutdown = false;
  private readonly rpcHook: ClientRpcHook | undefined;
  private readonly serializeType: SerializeType | undefined;

  constructor(
    private readonly env: Env,
    options: RemotingClientOptions = {},
  ) {
    this.log = env.log.child({ component: options.name ?? "remoting-client" });
    this.rpcHook = options.rpcHook;
    this.serializeType = options.serializeType;
    this.dispatcher = new RequestDispatcher(this.log);
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
    this.frameSizeMax = options.frameSizeMax ?? FRAME_SIZE_MAX_DEFAULT;
    this.requestTableMax = options.requestTableMax ?? REQUEST_TABLE_MAX_DEFAULT;
    assert(this.connectTimeoutMs > 0, "connectTimeoutMs must be positive");
  }

  /** Handles requests the server sends on our connection (e.g. code 40). */
  registerProcessor(code: number, processor: RequestProcessor): void {
    this.dispatcher.registerProcessor(code, processor);
  }

  onChannelClose(listener: (addr: string, channel: RemotingChannel) => void): void {
    this.closeListeners.push(listener);
  }

  invokeSync(addr: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    // Connected: straight to the channel, no async wrapper (promise turns on every request).
    const channel = this.isShutdown ? undefined : this.connected.get(addr);
    if (channel === undefined || channel.closed) return this.connectAndInvoke(addr, request, timeoutMs);
    try {
      this.rpcHook?.doBeforeRequest(addr, request);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return channel.invokeSync(request, timeoutMs);
  }

  private async connectAndInvoke(addr: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const startMs = this.env.clock.monotonicMs();
    this.rpcHook?.doBeforeRequest(addr, request);
    const channel = await this.getChannel(addr);
    const remainingMs = timeoutMs - (this.env.clock.monotonicMs() - startMs);
    if (remainingMs <= 0) {
      probe(this.env, "remoting.connect.timeout-spent");
      throw new RemotingTimeoutError(addr, timeoutMs, `${requestCodeName(request.code)}: connecting used the whole timeout`);
    }
    return channel.invokeSync(request, remainingMs);
  }

  async invokeOneway(addr: string, request: RemotingCommand): Promise<void> {
    this.rpcHook?.doBeforeRequest(addr, request);
    const channel = await this.getChannel(addr);
    channel.invokeOneway(request);
  }

  /** Callback style: exactly one callback, with the error or the response. */
  invokeAsync(addr: string, request: RemotingCommand, timeoutMs: number, callback: InvokeCallback): void {
    this.invokeSync(addr, request, timeoutMs).then(
      (response) => callback(undefined, response),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), undefined),
    );
  }

  /** The connection to addr, connecting if needed (RemotingConnectError on failure). */
  getChannel(addr: string): Promise<ConnectionChannel> {
    if (this.isShutdown) {
      return Promise.reject(new RemotingSendRequestError(addr, "remoting client is shut down"));
    }
    const channel = this.connected.get(addr);
    if (channel !== undefined && !channel.closed) return Promise.resolve(channel);
    if (channel !== undefined) this.connected.delete(addr);
    const existing = this.connecting.get(addr);
    if (existing !== undefined) return existing;
    const attempt = this.connect(addr).finally(() => this.connecting.delete(addr));
    this.connecting.set(addr, attempt);
    return attempt;
  }

  /** Closes the connection to addr (its pending requests fail); the next call reconnects. */
  closeChannel(addr: string): void {
    const channel = this.connected.get(addr);
    if (channel === undefined) return;
    this.connected.delete(addr);
    channel.close();
  }

  /** Addresses with a live connection. */
  addresses(): string[] {
    return [...this.connected.keys()];
  }

  shutdown(): void {
    this.isShutdown = true;
    for (const addr of [...this.connected.keys()]) this.closeChannel(addr);
  }

  private async connect(addr: string): Promise<ConnectionChannel> {
    const { host, port } = parseAddress(addr);
    let connection;
    try {
      connection = await this.env.net.connect(host, port, { timeoutMs: this.connectTimeoutMs });
    } catch (error) {
      const reason = error instanceof NetError ? error.code : errorText(error);
      probe(this.env, "remoting.connect.failed");
      this.log.info("connect failed", { addr, reason });
      throw new RemotingConnectError(addr, reason, { cause: error });
    }
    if (this.isShutdown) {
      connection.destroy();
      throw new RemotingSendRequestError(addr, "remoting client shut down while connecting");
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
      requestSerializeType: this.serializeType,
    });
    channel.onClose((reason) => {
      if (this.connected.get(addr) === channel) this.connected.delete(addr);
      this.log.debug("channel closed", { addr, reason: reason?.message });
      for (const notify of this.closeListeners) notify(addr, channel);
    });
    this.connected.set(addr, channel);
    this.log.debug("channel connected", { addr, localAddress: channel.localAddress });
    return channel;
  }
}
