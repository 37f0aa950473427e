// A minimal NATS core client for the peer benchmark (what `nats bench js pub --async` does):
// PUB with a reply subject on one wildcard inbox subscription, JetStream API requests as JSON,
// and pull-consumer batches acked per message. Writes are gathered and sent once per turn,
// as the official clients do.
import * as nodeNet from "node:net";

export interface NatsMessage {
  subject: string;
  reply: string | undefined;
  /** Status code of a JetStream control message (404/408 on pull requests), else undefined. */
  status: number | undefined;
  data: Buffer;
}

export class NatsClient {
  private readonly socket: nodeNet.Socket;
  private readonly outgoing: Buffer[] = [];
  private flushScheduled = false;
  private input: Buffer = Buffer.alloc(0);
  private readonly inbox = `_INBOX.bench${process.pid}`;
  private nextId = 0;
  private readonly replies = new Map<string, { handle: (message: NatsMessage) => void; once: boolean }>();
  private ready: (() => void) | undefined;
  private nextSid = 1;
  private readonly listeners = new Map<string, (message: NatsMessage) => void>();

  private constructor(socket: nodeNet.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  static async connect(host: string, port: number): Promise<NatsClient> {
    const socket = await new Promise<nodeNet.Socket>((resolve, reject) => {
      const made = nodeNet.connect(port, host, () => resolve(made));
      made.once("error", reject);
    });
    const client = new NatsClient(socket);
    await new Promise<void>((resolve) => {
      client.ready = resolve;
      client.raw(`CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\nSUB ${client.inbox}.* 1\r\nPING\r\n`);
    });
    return client;
  }

  /** Publishes data with a fresh reply subject; resolves with the reply. */
  request(subject: string, data: Uint8Array | string): Promise<NatsMessage> {
    const reply = `${this.inbox}.${++this.nextId}`;
    const promise = new Promise<NatsMessage>((resolve) => this.replies.set(reply, { handle: resolve, once: true }));
    this.publish(subject, data, reply);
    return promise;
  }

  /** A reply subject that receives many messages (a pull batch) until removed. */
  listen(onMessage: (message: NatsMessage) => void): { reply: string; stop(): void } {
    // JetStream delivers pulled messages with their stream subject, so route by subscription id.
    const sid = String(++this.nextSid);
    const reply = `_INBOX.pull${process.pid}.${sid}`;
    this.listeners.set(sid, onMessage);
    this.raw(`SUB ${reply} ${sid}\r\n`);
    return {
      reply,
      stop: () => {
        this.listeners.delete(sid);
        this.raw(`UNSUB ${sid}\r\n`);
      },
    };
  }

  async jsApi(subject: string, body: unknown): Promise<Record<string, unknown>> {
    const answer = await this.request(subject, JSON.stringify(body));
    const parsed = JSON.parse(answer.data.toString()) as Record<string, unknown>;
    if (parsed.error !== undefined) throw new Error(`${subject}: ${JSON.stringify(parsed.error)}`);
    return parsed;
  }

  publish(subject: string, data: Uint8Array | string, reply?: string): void {
    const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.length);
    this.outgoing.push(Buffer.from(`PUB ${subject}${reply === undefined ? "" : ` ${reply}`} ${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
    this.scheduleFlush();
  }

  /** Resolves once the server has seen everything written so far. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      this.ready = resolve;
      this.raw("PING\r\n");
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private raw(text: string): void {
    this.outgoing.push(Buffer.from(text));
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.socket.write(Buffer.concat(this.outgoing.splice(0)));
    });
  }

  private onData(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    let at = 0;
    for (;;) {
      const lineEnd = this.input.indexOf("\r\n", at);
      if (lineEnd < 0) break;
      const line = this.input.toString("latin1", at, lineEnd);
      if (line.startsWith("MSG ") || line.startsWith("HMSG ")) {
        const consumed = this.onMessage(line, lineEnd + 2);
        if (consumed < 0) break;
        at = consumed;
        continue;
      }
      at = lineEnd + 2;
      if (line === "PING") this.raw("PONG\r\n");
      else if (line === "PONG") {
        const ready = this.ready;
        this.ready = undefined;
        ready?.();
      } else if (line.startsWith("-ERR")) console.error(`nats: ${line}`);
    }
    this.input = at === this.input.length ? Buffer.alloc(0) : this.input.subarray(at);
  }

  /** Returns the offset after the message, or -1 when its payload has not fully arrived. */
  private onMessage(line: string, payloadAt: number): number {
    const fields = line.split(" ");
    const withHeaders = fields[0] === "HMSG";
    const total = Number(fields[fields.length - 1]);
    const headerBytes = withHeaders ? Number(fields[fields.length - 2]) : 0;
    const reply = fields.length === (withHeaders ? 6 : 5) ? fields[3] : undefined;
    if (this.input.length < payloadAt + total + 2) return -1;
    let status: number | undefined;
    if (withHeaders) {
      const head = this.input.toString("latin1", payloadAt, payloadAt + headerBytes);
      const code = /^NATS\/1\.0 (\d{3})/.exec(head);
      if (code !== null) status = Number(code[1]);
    }
    const data = this.input.subarray(payloadAt + headerBytes, payloadAt + total);
    const subject = fields[1]!;
    const listener = this.listeners.get(fields[2]!);
    if (listener !== undefined) {
      listener({ subject, reply, status, data });
      return payloadAt + total + 2;
    }
    const handler = this.replies.get(subject);
    if (handler !== undefined) {
      // One-shot requests are removed on their first answer; listen() handlers stay.
      if (handler.once) this.replies.delete(subject);
      handler.handle({ subject, reply, status, data });
    }
    return payloadAt + total + 2;
  }
}
