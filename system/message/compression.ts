// Body compression as RocketMQ's producer does it: zlib (deflate with zlib wrapper) once the
// body exceeds compressMsgBodyOverHowmuch (4096 bytes by default); sysFlag bit 1 marks it.

import { deflateSync, inflateSync } from "node:zlib";
import { MessageCodecError } from "./errors.ts";
import { MessageSysFlag } from "./message_const.ts";

export const COMPRESS_BODY_THRESHOLD_BYTES_DEFAULT = 4096;
/** Java's producer uses Deflater level 5 (compressMsgBodyLevel). */
export const COMPRESS_LEVEL_DEFAULT = 5;

export function compressBody(body: Uint8Array, level = COMPRESS_LEVEL_DEFAULT): Uint8Array {
  return new Uint8Array(deflateSync(body, { level }));
}

/** Inflates a zlib body; throws MessageCodecError BAD_BODY when it is not valid zlib data. */
export function inflateBody(body: Uint8Array, sizeBytesMax = 64 * 1024 * 1024): Uint8Array {
  try {
    return new Uint8Array(inflateSync(body, { maxOutputLength: sizeBytesMax }));
  } catch (error) {
    throw new MessageCodecError("BAD_BODY", "compressed body does not inflate", -1, { cause: error });
  }
}

/**
 * Compresses the body when it is larger than thresholdBytes and compression helps;
 * returns the body to send and the sysFlag with COMPRESSED_FLAG set accordingly.
 */
export function maybeCompressBody(
  body: Uint8Array, sysFlag: number, thresholdBytes = COMPRESS_BODY_THRESHOLD_BYTES_DEFAULT,
): { body: Uint8Array; sysFlag: number } {
  if (body.length <= thresholdBytes) return { body, sysFlag };
  const compressed = compressBody(body);
  if (compressed.length >= body.length) return { body, sysFlag };
  return { body: compressed, sysFlag: sysFlag | MessageSysFlag.COMPRESSED_FLAG };
}
