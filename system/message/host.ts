// Socket addresses as they appear in stored records and msgIds: IPv4 = 4 address bytes +
// 4-byte port (8 bytes); IPv6 = 16 address bytes + 4-byte port (20 bytes).
//
// Text form: "a.b.c.d:port" for IPv4 and "[h:h:h:h:h:h:h:h]:port" for IPv6 (formatted as
// Java's getHostAddress does: eight lower-case groups, no zero compression). Parsing also
// accepts "::" compression and an unbracketed IPv6 whose port follows the last colon.

import { readInt32BE, readUint32BE } from "./big_endian.ts";
import { MessageCodecError } from "./errors.ts";

export interface HostBytes {
  /** 8 bytes (IPv4) or 20 bytes (IPv6): address then big-endian port. */
  readonly bytes: Uint8Array;
  readonly ipv6: boolean;
}

function badHost(host: string, why: string): MessageCodecError {
  return new MessageCodecError("BAD_FIELD", `bad host ${JSON.stringify(host)}: ${why}`);
}

function parseIpv4(text: string, into: Uint8Array): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (let index = 0; index < 4; index++) {
    const part = parts[index] ?? "";
    if (!/^\d{1,3}$/.test(part)) return false;
    const value = Number(part);
    if (value > 255) return false;
    into[index] = value;
  }
  return true;
}

function parseIpv6(text: string, into: Uint8Array): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const head = halves[0] === "" ? [] : (halves[0] ?? "").split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : (halves[1] ?? "").split(":")) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return false;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  for (let index = 0; index < 8; index++) {
    const group = groups[index] ?? "";
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
    const value = parseInt(group, 16);
    into[index * 2] = value >> 8;
    into[index * 2 + 1] = value & 0xff;
  }
  return true;
}

function parsePort(host: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw badHost(host, "bad port");
  const port = Number(text);
  if (port > 65535) throw badHost(host, "port out of range");
  return port;
}

/** Recently parsed hosts: a broker sees few distinct store/born hosts (callers get copies). */
const HOST_CACHE_MAX = 1024;
const hostCache = new Map<string, HostBytes>();

/**
 * Parses "ip:port" into record bytes; throws MessageCodecError BAD_FIELD when malformed.
 */
export function hostToBytes(host: string): HostBytes {
  const shared = sharedHostBytes(host);
  return { bytes: shared.bytes.slice(), ipv6: shared.ipv6 };
}

/**
 * hostToBytes without the copy, for callers that only read the bytes (the record encoder
 * copies them into the record): the cached value itself, which must never be modified.
 */
export function sharedHostBytes(host: string): HostBytes {
  const cached = hostCache.get(host);
  if (cached !== undefined) return cached;
  const parsed = parseHost(host);
  if (hostCache.size >= HOST_CACHE_MAX) hostCache.clear();
  hostCache.set(host, parsed);
  return parsed;
}

function parseHost(host: string): HostBytes {
  let addressText: string;
  let portText: string;
  if (host.startsWith("[")) {
    const close = host.indexOf("]:");
    if (close < 0) throw badHost(host, "missing ]:port");
    addressText = host.substring(1, close);
    portText = host.substring(close + 2);
  } else {
    const colon = host.lastIndexOf(":");
    if (colon < 0) throw badHost(host, "missing :port");
    addressText = host.substring(0, colon);
    portText = host.substring(colon + 1);
  }
  const port = parsePort(host, portText);
  const v4 = new Uint8Array(8);
  if (parseIpv4(addressText, v4)) {
    new DataView(v4.buffer).setInt32(4, port, false);
    return { bytes: v4, ipv6: false };
  }
  const v6 = new Uint8Array(20);
  if (!parseIpv6(addressText, v6)) throw badHost(host, "not an IPv4 or IPv6 address");
  new DataView(v6.buffer).setInt32(16, port, false);
  return { bytes: v6, ipv6: true };
}

/**
 * Recently formatted IPv4 hosts by address·65536 + port: every decoded record formats two
 * hosts, and a cluster has few of them (a number key, so no string is built to look one up).
 */
const hostTextCache = new Map<number, string>();

/** Formats 8 or 20 record bytes (address + port) as text. */
export function hostFromBytes(bytes: Uint8Array): string {
  if (bytes.length === 8) {
    const port = readInt32BE(bytes, 4);
    if (port < 0 || port > 0xffff) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}:${port}`;
    const key = readUint32BE(bytes, 0) * 0x10000 + port;
    let text = hostTextCache.get(key);
    if (text === undefined) {
      text = `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}:${port}`;
      if (hostTextCache.size >= HOST_CACHE_MAX) hostTextCache.clear();
      hostTextCache.set(key, text);
    }
    return text;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length !== 20) throw new MessageCodecError("BAD_FIELD", `host of ${bytes.length} bytes`);
  const groups: string[] = [];
  for (let index = 0; index < 8; index++) groups.push(view.getUint16(index * 2, false).toString(16));
  return `[${groups.join(":")}]:${view.getInt32(16, false)}`;
}
