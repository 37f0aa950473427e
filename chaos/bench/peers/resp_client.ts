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
  private readonly scanner = new ReplyScanner();

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
    // A large reply (XREADGROUP of 1000 entries is ~1 MiB) arrives in many chunks: a resumable
    // scan finds where each reply ends, and only a complete reply is parsed (once).
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    let at = 0;
    for (;;) {
      const end = this.scanner.scan(this.input, at);
      if (end < 0) break;
      const parsed = parseReply(this.input, at);
      if ("need" in parsed) throw new Error("a scanned reply must parse");
      at = end;
      const waiter = this.waiting.shift();
      if (waiter === undefined) continue;
      if (parsed.value instanceof Error) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
    this.scanner.rebase(at);
    this.input = at === this.input.length ? Buffer.alloc(0) : this.input.subarray(at);
  }
}

/** Finds the end of one RESP reply across calls without re-reading what it has seen. */
class ReplyScanner {
  /** Where scanning resumes; -1 = at the start of a new reply. */
  private position = -1;
  /** Items still expected by each open array, innermost last. */
  private readonly open: number[] = [];

  /** The end offset of the reply starting at `start`, or -1 when more bytes are needed. */
  scan(input: Buffer, start: number): number {
    if (this.position < 0) this.position = start;
    for (;;) {
      const lineEnd = input.indexOf("\r\n", this.position);
      if (lineEnd < 0) return -1;
      const type = input[this.position]!;
      let next = lineEnd + 2;
      let items = 0;
      if (type === 0x24 /* $ */) {
        const length = Number(input.toString("latin1", this.position + 1, lineEnd));
        if (length >= 0) {
          if (input.length < next + length + 2) return -1;
          next += length + 2;
        }
      } else if (type === 0x2a /* * */) {
        items = Math.max(0, Number(input.toString("latin1", this.position + 1, lineEnd)));
      }
      this.position = next;
      if (items > 0) {
        this.open.push(items);
        continue;
      }
      // One value done: close every array it completes.
      while (this.open.length > 0) {
        const left = this.open.pop()! - 1;
        if (left > 0) {
          this.open.push(left);
          break;
        }
      }
      if (this.open.length === 0) {
        const end = this.position;
        this.position = -1;
        return end;
      }
    }
  }

  /** The input lost its first `consumed` bytes. */
  rebase(consumed: number): void {
    if (this.position >= 0) this.position -= consumed;
  }
}

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
