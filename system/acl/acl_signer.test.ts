// Signature vectors checked against an independent re-derivation of RocketMQ's algorithm:
// a from-scratch SHA-1 + HMAC (RFC 2104) + Base64 + UTF-8 encoder and a Java TreeMap order
// (String.compareTo: UTF-16 code units) written here without node:crypto or the module under
// test, plus literal vectors computed with `openssl dgst -sha1 -hmac … -binary | base64`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AclClientRpcHook, signRequest } from "./acl_client_hook.ts";
import { calSignature, combineRequestContent } from "./acl_signer.ts";
import { createRequest } from "../remoting/remoting_command.ts";

// ---- independent implementation (the Java algorithm, spelled out) ----
function javaUtf8(text: string): number[] {
  const out: number[] = [];
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const low = text.charCodeAt(index + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        index++;
      }
    }
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return out;
}

function sha1(bytes: number[]): number[] {
  const message = [...bytes, 0x80];
  while (message.length % 64 !== 56) message.push(0);
  const bitLength = bytes.length * 8;
  for (let shift = 56; shift >= 0; shift -= 8) message.push(shift >= 32 ? Math.floor(bitLength / 2 ** shift) & 255 : (bitLength >>> shift) & 255);
  let [h0, h1, h2, h3, h4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const rotl = (value: number, count: number): number => ((value << count) | (value >>> (32 - count))) >>> 0;
  for (let chunk = 0; chunk < message.length; chunk += 64) {
    const w: number[] = [];
    for (let i = 0; i < 16; i++) w.push(((message[chunk + 4 * i]! << 24) | (message[chunk + 4 * i + 1]! << 16) | (message[chunk + 4 * i + 2]! << 8) | message[chunk + 4 * i + 3]!) >>> 0);
    for (let i = 16; i < 80; i++) w.push(rotl(w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!, 1));
    let [a, b, c, d, e] = [h0, h1, h2, h3, h4];
    for (let i = 0; i < 80; i++) {
      const [f, k] = i < 20 ? [(b & c) | (~b & d), 0x5a827999] : i < 40 ? [b ^ c ^ d, 0x6ed9eba1] : i < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc] : [b ^ c ^ d, 0xca62c1d6];
      const next = (rotl(a, 5) + (f >>> 0) + e + k + w[i]!) >>> 0;
      [e, d, c, b, a] = [d, c, rotl(b, 30), a, next];
    }
    [h0, h1, h2, h3, h4] = [(h0 + a) >>> 0, (h1 + b) >>> 0, (h2 + c) >>> 0, (h3 + d) >>> 0, (h4 + e) >>> 0];
  }
  return [h0, h1, h2, h3, h4].flatMap((word) => [word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255]);
}

function hmacSha1(key: number[], data: number[]): number[] {
  let block = key.length > 64 ? sha1(key) : key;
  block = [...block, ...new Array<number>(64 - block.length).fill(0)];
  const inner = sha1([...block.map((byte) => byte ^ 0x36), ...data]);
  return sha1([...block.map((byte) => byte ^ 0x5c), ...inner]);
}

function base64(bytes: number[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    const triple = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += alphabet[(triple >> 18) & 63]! + alphabet[(triple >> 12) & 63]!;
    out += b === undefined ? "=" : alphabet[(triple >> 6) & 63]!;
    out += c === undefined ? "=" : alphabet[triple & 63]!;
  }
  return out;
}

/** Java String.compareTo: lexicographic over UTF-16 code units. */
function javaCompare(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const delta = left.charCodeAt(i) - right.charCodeAt(i);
    if (delta !== 0) return delta;
  }
  return left.length - right.length;
}

function javaSignature(extFields: Record<string, string>, body: number[], secretKey: string): string {
  const keys = Object.keys(extFields).filter((key) => key !== "Signature").sort(javaCompare);
  const content = [...javaUtf8(keys.map((key) => extFields[key]).join("")), ...body];
  return base64(hmacSha1(javaUtf8(secretKey), content));
}

// ---- vectors ----
test("the independent implementation reproduces RFC 2202 HMAC-SHA1 test case 2", () => {
  const digest = hmacSha1(javaUtf8("Jefe"), javaUtf8("what do ya want for nothing?"));
  assert.equal(digest.map((byte) => byte.toString(16).padStart(2, "0")).join(""), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
});

test("openssl vectors: sorted values + body (with a NUL), non-ASCII value and key", () => {
  const fields = { topic: "TopicA", b: "主题", a: "PG", AccessKey: "RocketMQ" };
  const body = new TextEncoder().encode("hello\u0000world");
  assert.equal(calSignature(combineRequestContent(fields, body), "12345678"), "aW4NJE3T1Q62FBTSp1BOOLHyhsM=");
  assert.equal(calSignature(combineRequestContent({ AccessKey: "rocketmq2" }, undefined), "密钥secret"), "PPZYT6OzcGYaEwPUAZl3x7IkkBU=");
});

const cases: { name: string; fields: Record<string, string>; body: string; secret: string; token?: string }[] = [
  { name: "no fields, no body", fields: {}, body: "", secret: "12345678" },
  { name: "SEND_MESSAGE_V2 header", fields: { a: "PG", b: "TopicTest", c: "TBW102", d: "4", e: "0", f: "0", g: "1700000000000", h: "0", i: "TAGS\u0001TagA\u0002", j: "0", k: "false" }, body: "hello", secret: "12345678" },
  { name: "non-ASCII values, emoji (surrogate pair) and a body", fields: { topic: "订单-Ü", group: "grüße", z: "😀" }, body: "payload ✓", secret: "s3cr€t-ключ" },
  { name: "keys ordered by UTF-16 units (uppercase before lowercase, é after z)", fields: { b: "2", B: "1", é: "4", z: "3", _x: "0" }, body: "", secret: "1234567" },
  { name: "security token", fields: { topic: "T" }, body: "b", secret: "12345678", token: "tok-1" },
  { name: "long secret (> 64 bytes, hashed first)", fields: { topic: "T" }, body: "", secret: "k".repeat(100) },
];

for (const example of cases) {
  test(`signature matches the Java algorithm: ${example.name}`, () => {
    const request = createRequest(10, { ...example.fields }, example.body === "" ? undefined : new TextEncoder().encode(example.body));
    signRequest(request, { accessKey: "RocketMQ", secretKey: example.secret, securityToken: example.token });
    const expectedFields: Record<string, string> = { ...example.fields, AccessKey: "RocketMQ" };
    if (example.token !== undefined) expectedFields["SecurityToken"] = example.token;
    assert.equal(request.extFields["Signature"], javaSignature(expectedFields, javaUtf8(example.body), example.secret));
    assert.equal(request.extFields["AccessKey"], "RocketMQ");
    assert.equal(request.extFields["SecurityToken"], example.token);
  });
}

test("re-signing (a retried request) replaces the old signature and leaves it out of the content", () => {
  const request = createRequest(10, { topic: "T" });
  signRequest(request, { accessKey: "RocketMQ", secretKey: "wrong-secret" });
  const hook = new AclClientRpcHook({ accessKey: "RocketMQ", secretKey: "12345678" });
  hook.doBeforeRequest("127.0.0.1:10911", request);
  assert.equal(request.extFields["Signature"], javaSignature({ topic: "T", AccessKey: "RocketMQ" }, [], "12345678"));
  hook.setCredentials({ accessKey: "RocketMQ", secretKey: "rotated-secret" });
  hook.doBeforeRequest("127.0.0.1:10911", request);
  assert.equal(request.extFields["Signature"], javaSignature({ topic: "T", AccessKey: "RocketMQ" }, [], "rotated-secret"));
});
