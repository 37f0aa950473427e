// Push-style frame decoder: push(chunk) with any chunking; each complete frame is decoded into
// a RemotingCommand and handed to onCommand, in order. Separate from sockets (nothing here
// touches the network).
// Invariants: a frame's declared size is checked (≤ frameSizeMax, counting the 4-byte length
// field, as Netty's LengthFieldBasedFrameDecoder does) and its header word (serialize type,
// header length) is checked before any frame buffer is allocated; then a frame that lies
// wholly in one chunk is decoded in place (the usual case), and any other is copied into
// exactly one buffer of the declared size. So the decoder holds at most one partial frame,
// bounded by frameSizeMax, and work is linear in the bytes pushed whatever the chunking.
// After the first RemotingDecodeError the decoder is poisoned: every later push throws the
// same error, and the owner must close the connection.
import { assert } from "../stdx/assert.ts";
import { decodeFramePayload, readInt32, serializeTypeOf } from "./command_codec.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";

/** RocketMQ's com.rocketmq.remoting.frameMaxLength default: 16 MiB. */
export const FRAME_SIZE_MAX_DEFAULT = 16 * 1024 * 1024;
const PREFIX_SIZE_BYTES = 8;

export interface FrameDecoderOptions {
  frameSizeMax?: number;
  /**
   * A body decoded in place may be a view into the pushed chunk instead of a copy. Only for an
   * owner whose chunks are never reused and whose commands die young: a server's requests (a
   * send's body is in the commit log within the turn). Saves a 1 KiB allocation and copy per
   * published message; a client keeps copying, since a pulled message may sit in a process
   * queue for minutes and would pin its whole socket chunk.
   */
  bodiesMayViewChunks?: boolean;
}

export class FrameDecoder {
  readonly frameSizeMax: number;
  /** Length field + header word of the next frame. */
  private readonly prefix = new Uint8Array(PREFIX_SIZE_BYTES);
  private prefixFilled = 0;
  /** Payload (bytes after the length field) of the frame being assembled. */
  private payload: Uint8Array | undefined;
  private payloadFilled = 0;
  private failure: RemotingDecodeError | undefined;
  private readonly bodiesMayViewChunks: boolean;

  constructor(
    private readonly onCommand: (command: RemotingCommand) => void,
    options: FrameDecoderOptions = {},
  ) {
    this.frameSizeMax = options.frameSizeMax ?? FRAME_SIZE_MAX_DEFAULT;
    this.bodiesMayViewChunks = options.bodiesMayViewChunks ?? false;
    assert(Number.isInteger(this.frameSizeMax), "frameSizeMax must be an integer");
    assert(this.frameSizeMax >= 16, "frameSizeMax too small");
  }

  /** Bytes held for a partial frame (≤ frameSizeMax). */
  get bufferedSizeBytes(): number {
    return this.payload ? 4 + this.payloadFilled : this.prefixFilled;
  }

  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    try {
      this.consume(chunk);
    } catch (error) {
      if (error instanceof RemotingDecodeError) {
        this.failure = error;
        this.payload = undefined;
        this.prefixFilled = 0;
      }
      throw error;
    }
    assert(this.bufferedSizeBytes <= this.frameSizeMax, "decoder holds more than frameSizeMax");
  }

  private consume(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payload === undefined) {
        offset = this.prefixFilled === 0 && chunk.length - offset >= PREFIX_SIZE_BYTES
          ? this.startFrame(chunk, offset)
          : offset + this.fillPrefix(chunk, offset);
        if (this.payload === undefined) continue;
      }
      const payload: Uint8Array = this.payload;
      const part = Math.min(payload.length - this.payloadFilled, chunk.length - offset);
      payload.set(chunk.subarray(offset, offset + part), this.payloadFilled);
      this.payloadFilled += part;
      offset += part;
      if (this.payloadFilled === payload.length) {
        this.payload = undefined;
        this.payloadFilled = 0;
        // The decoder lets go of this buffer here, so the body may be a view into it.
        this.onCommand(decodeFramePayload(payload, true));
      }
    }
  }

  /**
   * Fast path, the usual case: the whole prefix lies in the chunk. A frame wholly inside the
   * chunk is decoded in place (decodeFramePayload copies what it keeps, unless
   * bodiesMayViewChunks); otherwise its payload
   * buffer is started with the header word. Returns the offset after what was taken.
   */
  private startFrame(chunk: Uint8Array, offset: number): number {
    const payloadSizeBytes = this.checkPrefix(readInt32(chunk, offset), readInt32(chunk, offset + 4));
    if (chunk.length - offset - 4 >= payloadSizeBytes) {
      this.onCommand(decodeFramePayload(chunk.subarray(offset + 4, offset + 4 + payloadSizeBytes), this.bodiesMayViewChunks));
      return offset + 4 + payloadSizeBytes;
    }
    this.payload = new Uint8Array(payloadSizeBytes);
    this.payloadFilled = 0;
    return offset + 4;
  }

  /** Copies prefix bytes; allocates the payload buffer once the prefix is complete and valid. */
  private fillPrefix(chunk: Uint8Array, offset: number): number {
    const before = this.prefixFilled;
    const part = Math.min(PREFIX_SIZE_BYTES - before, chunk.length - offset);
    for (let index = 0; index < part; index++) this.prefix[before + index] = chunk[offset + index]!;
    this.prefixFilled += part;
    if (this.prefixFilled >= 4) this.checkLength(readInt32(this.prefix, 0));
    if (this.prefixFilled === PREFIX_SIZE_BYTES) {
      const payloadSizeBytes = this.checkPrefix(readInt32(this.prefix, 0), readInt32(this.prefix, 4));
      this.payload = new Uint8Array(payloadSizeBytes);
      this.payload.set(this.prefix.subarray(4, 8), 0);
      this.payloadFilled = 4;
      this.prefixFilled = 0;
    }
    return part;
  }

  /** Checks a complete prefix (length field, header word); returns the payload size. */
  private checkPrefix(length: number, word: number): number {
    this.checkLength(length);
    this.checkHeaderWord(word, length);
    return length;
  }

  private checkLength(length: number): void {
    if (length < 4) throw new RemotingDecodeError(`invalid frame length ${length} (must be ≥ 4)`);
    if (length + 4 > this.frameSizeMax) {
      throw new RemotingDecodeError(
        `frame of ${length + 4} bytes exceeds frameSizeMax ${this.frameSizeMax} bytes`,
      );
    }
  }

  private checkHeaderWord(word: number, payloadSizeBytes: number): void {
    serializeTypeOf(word);
    const headerLength = word & 0xffffff;
    if (headerLength === 0 || 4 + headerLength > payloadSizeBytes) {
      throw new RemotingDecodeError(
        `invalid header length ${headerLength} for a frame of ${payloadSizeBytes} bytes`,
      );
    }
  }
}
