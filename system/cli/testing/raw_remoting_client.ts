// Test support: a minimal RocketMQ remoting client written straight on node:net, independent of
// system/remoting, system/protocol and system/message, so integration tests check the broker
// against a second implementation of the wire format (as a third-party client would).
// Requests use JSON headers with non-string extField values where ali-ons sends them
// (numbers and booleans), to exercise the broker's coercion.
import * as net from "node:net";

export interface RawCommand {
  code: number;
  opaque: number;
  flag: number;
  remark?: string;
  extFields: Record<string, string>;
  body: Buffer;
}

export class RawRemotingClient {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private nextOpaque = 1;
  private readonly pending = new Map<number, { resolve: (command: RawCommand) => void; reject: (error: Error) => void }>();
  private closedError: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.closedError = new Error("connection closed");
        for (const waiter of this.pending.values()) waiter.reject(this.closedError);
        this.pending.clear();
        resolve();
      });
    });
    socket.on("error", () => undefined);
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawRemotingClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawRemotingClient(socket)));
      socket.once("error", reject);
    });
  }

  /** Sends a request with a JSON header; extFields values may be numbers/booleans (like ali-ons). */
  request(code: number, extFields: Record<string, string | number | boolean> = {}, body?: Uint8Array, timeoutMs = 10_000): Promise<RawCommand> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const opaque = this.nextOpaque++;
    const header = Buffer.from(JSON.stringify({ code, language: "JAVA", version: 121, opaque, flag: 0, extFields }), "utf8");
    const bodyBytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const frame = Buffer.alloc(8 + header.length + bodyBytes.length);
    frame.writeInt32BE(4 + header.length + bodyBytes.length, 0);
    frame.writeInt32BE(header.length, 4);
    header.copy(frame, 8);
    bodyBytes.copy(frame, 8 + header.length);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(opaque);
        reject(new Error(`request ${code} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(opaque, {
        resolve: (command) => { clearTimeout(timer); resolve(command); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      this.socket.write(frame);
    });
  }

  /** Writes raw bytes (malformed frames). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + length) return;
      const frame = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      const word = frame.readInt32BE(0);
      if (word >>> 24 !== 0) throw new Error(`response with serialize type ${word >>> 24}: ali-ons would misread it`);
      const headerLength = word & 0xffffff;
      const header = JSON.parse(frame.subarray(4, 4 + headerLength).toString("utf8")) as {
        code: number; opaque: number; flag: number; remark?: string; extFields?: Record<string, string>;
      };
      const command: RawCommand = {
        code: header.code, opaque: header.opaque, flag: header.flag, extFields: header.extFields ?? {},
        body: Buffer.from(frame.subarray(4 + headerLength)),
      };
      if (header.remark !== undefined) command.remark = header.remark;
      if ((header.flag & 1) === 0) continue;
      const waiter = this.pending.get(header.opaque);
      this.pending.delete(header.opaque);
      waiter?.resolve(command);
    }
  }
}

export interface RawMessage {
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  topic: string;
  body: string;
  properties: Map<string, string>;
  /** Offset msgId computed from the record (store host + commit-log offset). */
  msgId: string;
}

/** Decodes v4 stored records (IPv4 hosts) the way ali-ons' message_decoder does. */
export function decodeRecords(bytes: Buffer): RawMessage[] {
  const out: RawMessage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const totalSize = bytes.readInt32BE(at);
    const queueId = bytes.readInt32BE(at + 12);
    const queueOffset = Number(bytes.readBigInt64BE(at + 20));
    const commitLogOffset = Number(bytes.readBigInt64BE(at + 28));
    const storeHost = bytes.subarray(at + 64, at + 72);
    const bodyLength = bytes.readInt32BE(at + 84);
    const body = bytes.subarray(at + 88, at + 88 + bodyLength).toString("utf8");
    const topicLength = bytes.readUInt8(at + 88 + bodyLength);
    const topic = bytes.subarray(at + 89 + bodyLength, at + 89 + bodyLength + topicLength).toString("utf8");
    const propertiesAt = at + 89 + bodyLength + topicLength;
    const propertiesLength = bytes.readInt16BE(propertiesAt);
    const propertiesText = bytes.subarray(propertiesAt + 2, propertiesAt + 2 + propertiesLength).toString("utf8");
    const properties = new Map<string, string>();
    for (const pair of propertiesText.split("\u0002")) {
      const split = pair.indexOf("\u0001");
      if (split > 0) properties.set(pair.slice(0, split), pair.slice(split + 1));
    }
    const id = Buffer.alloc(16);
    storeHost.copy(id, 0);
    id.writeBigInt64BE(BigInt(commitLogOffset), 8);
    out.push({ queueId, queueOffset, commitLogOffset, topic, body, properties, msgId: id.toString("hex").toUpperCase() });
    at += totalSize;
  }
  return out;
}

/** Properties as `k\x01v\x02` with the trailing \x02, as ali-ons writes them. */
export function propertiesString(properties: Record<string, string>): string {
  return Object.entries(properties).map(([key, value]) => `${key}\u0001${value}\u0002`).join("");
}

/** fastjson bodies: quote bare keys (brokerAddrs {0:"ip:port"}) and parse. */
export function parseFastjsonBody(body: Buffer): unknown {
  return JSON.parse(body.toString("utf8").replace(/([{,])\s*(-?\d+)\s*:/g, '$1"$2":'));
}
