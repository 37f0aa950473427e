// Typed operating errors of the message codecs. Garbage or truncated input always ends in a
// MessageCodecError (never a RangeError, never a half-decoded value).

export type MessageCodecErrorCode =
  | "BAD_MAGIC" // the magic code is not the v4 record magic
  | "BAD_CRC" // BODYCRC does not match the body
  | "TRUNCATED" // the bytes end before the record does
  | "BAD_SIZE" // TOTALSIZE disagrees with the fields it covers, or is out of range
  | "BAD_FIELD" // a length or value field is impossible (negative length, bad host, ...)
  | "BAD_BODY" // a compressed body does not inflate
  | "BAD_HEX"; // a msgId / hex string is malformed

export class MessageCodecError extends Error {
  readonly code: MessageCodecErrorCode;
  /** Byte position (in the input) of the record or field at fault; -1 when not positional. */
  readonly position: number;
  constructor(code: MessageCodecErrorCode, message: string, position = -1, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "MessageCodecError";
    this.code = code;
    this.position = position;
  }
}
