// Real network over node:net. Connections are push-style wrappers around net.Socket with
// Nagle off (RocketMQ sets TCP_NODELAY); connect honours the caller's timeout.
// Writes are corked per turn: the first write of a turn corks the socket and a nextTick
// uncorks it, so every response (or request) produced while one chunk of input is handled
// leaves in one writev instead of one write() syscall each. Disk writes are synchronous and
// happen before the response is even built, so nothing leaves before its data is written.
// Outgoing connections may be bound to a source address (per call, or a per-process default):
// the lab's process deployer gives every node its own loopback address (127.0.x.y) so packet
// filter rules can name a node pair, and the kernel would otherwise pick 127.0.0.1.
import * as nodeNet from "node:net";
import type { Connection, Listener, Net } from "../env.ts";
import { NetError } from "../env.ts";
import { errorText } from "../../stdx/error_text.ts";

function formatAddress(host: string | undefined, port: number | undefined): string {
  const cleanHost = (host ?? "0.0.0.0").replace(/^::ffff:/, "");
  return `${cleanHost}:${port ?? 0}`;
}

function toNetError(error: unknown, fallbackCode: string): NetError {
  const code = (error as { code?: unknown }).code;
  const text = errorText(error);
  return new NetError(typeof code === "string" ? code : fallbackCode, text, { cause: error });
}

class SocketConnection implements Connection {
  readonly localAddress: string;
  readonly remoteAddress: string;
  closed = false;
  private dataHandler: ((chunk: Uint8Array) => void) | undefined;
  private closeHandler: ((reason: Error | undefined) => void) | undefined;
  private closeReason: Error | undefined;
  private closeReported = false;
  private readonly earlyChunks: Uint8Array[] = [];
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  };

  constructor(private readonly socket: nodeNet.Socket) {
    socket.setNoDelay(true);
    this.localAddress = formatAddress(socket.localAddress, socket.localPort);
    this.remoteAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    socket.on("data", (chunk: Buffer) => {
      if (this.dataHandler) this.dataHandler(chunk);
      else this.earlyChunks.push(chunk);
    });
    socket.on("error", (error) => {
      this.closeReason ??= toNetError(error, "ECONNRESET");
    });
    socket.on("close", () => {
      this.closed = true;
      this.reportClose();
    });
  }

  private reportClose(): void {
    if (this.closeReported || !this.closeHandler) return;
    this.closeReported = true;
    this.closeHandler(this.closeReason);
  }

  write(data: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(data);
    return true;
  }

  pendingWriteBytes(): number {
    return this.socket.writableLength;
  }

  end(): void {
    if (!this.closed) this.socket.end();
  }

  destroy(reason?: Error): void {
    if (reason) this.closeReason ??= reason;
    this.socket.destroy();
  }

  onData(handler: (chunk: Uint8Array) => void): void {
    this.dataHandler = handler;
    for (const chunk of this.earlyChunks.splice(0)) handler(chunk);
  }

  onClose(handler: (reason: Error | undefined) => void): void {
    this.closeHandler = handler;
    if (this.closed) this.reportClose();
  }
}

export interface RealNetOptions {
  /** Source address for outgoing connections unless a call names its own. */
  sourceAddress?: string | undefined;
}

export class RealNet implements Net {
  private readonly sourceAddress: string | undefined;
  private readonly servers = new Set<nodeNet.Server>();
  private readonly sockets = new Set<nodeNet.Socket>();

  constructor(options: RealNetOptions = {}) {
    this.sourceAddress = options.sourceAddress === "" ? undefined : options.sourceAddress;
  }

  private track(socket: nodeNet.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
  }

  listen(host: string, port: number, onConnection: (connection: Connection) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = nodeNet.createServer({ noDelay: true }, (socket) => {
        this.track(socket);
        onConnection(new SocketConnection(socket));
      });
      server.once("error", (error) => reject(toNetError(error, "EADDRINUSE")));
      server.listen({ host, port, exclusive: true }, () => {
        this.servers.add(server);
        const bound = server.address() as nodeNet.AddressInfo;
        resolve({
          address: formatAddress(bound.address, bound.port),
          port: bound.port,
          close: () =>
            new Promise<void>((done) => {
              this.servers.delete(server);
              server.close(() => done());
            }),
        });
      });
    });
  }

  /** `localAddress` binds the source address of this connection (overrides the default). */
  connect(host: string, port: number, options: { timeoutMs: number; localAddress?: string }): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const localAddress = options.localAddress ?? this.sourceAddress;
      const socket = nodeNet.connect({ host, port, noDelay: true, ...(localAddress === undefined ? {} : { localAddress }) });
      this.track(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new NetError("ETIMEDOUT", `connect to ${host}:${port} timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new SocketConnection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(toNetError(error, "ECONNREFUSED"));
      });
    });
  }

  /** Destroys every socket and server this Net made (tests and shutdown). */
  closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
    for (const server of this.servers) server.close();
    this.sockets.clear();
    this.servers.clear();
  }
}
