// ACL request signing, RocketMQ 4.9's AclUtils.combineRequestContent + AclSigner.calSignature:
// the extFields are sorted by key (Java TreeMap: UTF-16 code-unit order, which is also JS's
// default string order), their VALUES (not keys) are concatenated, skipping `Signature`
// (and, on the broker, `_UNIQUE_KEY_QUERY`), the UTF-8 bytes get the body appended, and the
// result is HmacSHA1-ed with the UTF-8 secret key and Base64-encoded with padding.
// Pure: node:crypto's HMAC is a function of its inputs, no world access.
import { createHmac, timingSafeEqual } from "node:crypto";
import { assert } from "../stdx/assert.ts";

/** SessionCredentials extField names. */
export const ACCESS_KEY_FIELD = "AccessKey";
export const SIGNATURE_FIELD = "Signature";
export const SECURITY_TOKEN_FIELD = "SecurityToken";
/** MixAll.UNIQUE_MSG_QUERY_FLAG: the broker leaves it out of the signed content. */
export const UNIQUE_MSG_QUERY_FLAG = "_UNIQUE_KEY_QUERY";

const utf8 = new TextEncoder();

/** The bytes that get signed: sorted values (minus the skipped keys) + body. */
export function combineRequestContent(
  extFields: Readonly<Record<string, string>>,
  body: Uint8Array | undefined,
  skippedKeys: ReadonlySet<string> = new Set([SIGNATURE_FIELD]),
): Uint8Array {
  assert(skippedKeys.has(SIGNATURE_FIELD), "the signature never signs itself");
  const keys = Object.keys(extFields).filter((key) => !skippedKeys.has(key)).sort();
  let text = "";
  for (const key of keys) text += extFields[key];
  const head = utf8.encode(text);
  if (body === undefined || body.length === 0) return head;
  const total = new Uint8Array(head.length + body.length);
  total.set(head, 0);
  total.set(body, head.length);
  return total;
}

/** AclSigner.calSignature(byte[], key): Base64(HmacSHA1(key as UTF-8, data)). */
export function calSignature(data: Uint8Array, secretKey: string): string {
  return createHmac("sha1", utf8.encode(secretKey)).update(data).digest("base64");
}

/** Constant-time comparison of two signatures (Java uses String.equals; the answer is the same). */
export function signaturesEqual(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const left = utf8.encode(expected);
  const right = utf8.encode(given);
  return left.length === right.length && timingSafeEqual(left, right);
}
