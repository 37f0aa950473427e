// A minimal Redis (RESP2) client for the peer benchmark: commands are queued and written once
// per event-loop turn (what ioredis' auto-pipelining does), replies are matched in order.
// Only what the benchmark needs: bulk-string arguments, and replies of every RESP2 type.
import * as nodeNet from "node:net";

export type RespValue = string | number | Buffer | null | RespValue[] | Error;

export class RespClient {
  private readonly socket: nodeNet.Socket;
  private readonly waiting: { resolve: (value: RespValue) => void; reject: (error: Error) => void }[] = [];
  private readonly outgoing: Buffer[] = [];
  private flushScheduled = false;
  private input: Buffer = Buffer.alloc(0);
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the incomplete reply at the head of the input needs at least. */
  private needBytes = 0;

  private constructor(socket: nodeNet.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error("redis connection closed"));
    });
  }

  static connect(host: string, port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = nodeNet.connect(port, host, () => resolve(new RespClient(socket)));
      socket.once("error", reject);
    });
  }

  command(...args: (string | number | Uint8Array)[]): Promise<RespValue> {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const arg of args) {
      const bytes = typeof arg === "string" || typeof arg === "number" ? Buffer.from(String(arg)) : Buffer.from(arg.buffer, arg.byteOffset, arg.length);
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
    }
    this.outgoing.push(...parts);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.socket.write(Buffer.concat(this.outgoing.splice(0)));
      });
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    // A large reply arrives in many chunks: concatenate only once enough bytes are here.
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.input.length + this.pendingBytes < this.needBytes) return;
    this.input = Buffer.concat([this.input, ...this.pending.splice(0)]);
    this.pendingBytes = 0;
    this.needBytes = 0;
    let at = 0;
    for (;;) {
      const parsed = parseReply(this.input, at);
      if ("need" in parsed) {
        this.needBytes = parsed.need - at;
        break;
      }
      at = parsed.end;
      const waiter = this.waiting.shift();
      if (waiter === undefined) continue;
      if (parsed.value instanceof Error) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
    this.input = at === this.input.length ? Buffer.alloc(0) : this.input.subarray(at);
  }
}

/** A reply and where it ends, or how many bytes from the input's start it needs at least. */
function parseReply(input: Buffer, start: number): { value: RespValue; end: number } | { need: number } {
  const lineEnd = input.indexOf("\r\n", start);
  if (lineEnd < 0) return { need: input.length + 1 };
  const type = String.fromCharCode(input[start]!);
  const text = input.toString("latin1", start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+": return { value: text, end: next };
    case "-": return { value: new Error(text), end: next };
    case ":": return { value: Number(text), end: next };
    case "$": {
      const length = Number(text);
      if (length < 0) return { value: null, end: next };
      if (input.length < next + length + 2) return { need: next + length + 2 };
      return { value: input.subarray(next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(text);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let index = 0; index < count; index++) {
        const item = parseReply(input, at);
        if ("need" in item) return item;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default: throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}
