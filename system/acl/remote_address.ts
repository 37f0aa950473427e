// White remote address patterns (RocketMQ 4.9 RemoteAddressStrategyFactory + AclUtils):
//   blank           → matches nothing           "*", "*.*.*.*", "*:*:*:*:*:*:*:*" → everything
//   a.b.c.{1,2}     → a set (last segment)       "a,b,c" → a list of exact addresses
//   a.b.c.*, a.b.*.*, a.b.c.1-5, a.b.1-5.*       → a range on one segment, the rest wildcards
//   a.b.c.d / IPv6  → exactly one address (IPv6 compared in expanded upper-case form)
// A bad pattern throws AclException with RocketMQ's text (the config loader turns it into an
// error naming the file). Matching takes the remote host without the port.
import { AclException } from "./acl_exception.ts";

export interface RemoteAddressMatcher {
  readonly pattern: string;
  match(host: string): boolean;
}

export function isValidInet4Address(text: string): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  return parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255 && !(part.length > 1 && part.startsWith("0")));
}

export function isValidInet6Address(text: string): boolean {
  if (!text.includes(":")) return false;
  const doubleColons = text.split("::").length - 1;
  if (doubleColons > 1) return false;
  let groups = text.split(":");
  const last = groups[groups.length - 1]!;
  let extraGroups = 0;
  if (last.includes(".")) {
    if (!isValidInet4Address(last)) return false;
    groups = groups.slice(0, -1);
    extraGroups = 2;
  }
  const filled = groups.filter((group) => group.length > 0);
  if (!filled.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return false;
  const count = filled.length + extraGroups;
  return doubleColons === 1 ? count < 8 : count === 8 && filled.length === groups.length;
}

/** AclUtils.expandIP: "::1" → "0000:0000:...:0001" (upper case, `part` groups). */
export function expandIP(address: string, part: number): string {
  let text = address.toUpperCase();
  const separators = text.split(":").length - 1;
  const pad = part - separators;
  if (pad > 0) text = text.replace("::", ":".repeat(pad + 1));
  return text.split(":").map((group) => (group.length < 4 ? group.padStart(4, "0") : group)).join(":");
}

function badAddress(netaddress: string): never {
  throw new AclException(`Netaddress examine Exception netaddress is ${netaddress}`, undefined);
}

function exactKey(address: string): string {
  if (isValidInet4Address(address)) return address;
  if (isValidInet6Address(address)) return expandIP(address, 8);
  return badAddress(address);
}

function setMatcher(pattern: string, addresses: readonly string[]): RemoteAddressMatcher {
  const keys = new Set(addresses.map(exactKey));
  return { pattern, match: (host) => keys.has(isValidInet6Address(host) ? expandIP(host, 8) : host) };
}

/** "a.b.c.{1,2}" → ["a.b.c.1", "a.b.c.2"] (AclUtils.getAddresses). */
function braceAddresses(pattern: string, separator: "." | ":"): string[] {
  const parts = pattern.split(separator).filter((part) => part.length > 0);
  const last = parts[parts.length - 1]!;
  if (separator === "." && parts.length < 4) {
    throw new AclException("MultipleRemoteAddressStrategy has got a/some wrong format IP(s) ", undefined);
  }
  if (!last.startsWith("{")) throw new AclException("MultipleRemoteAddressStrategy netaddress examine scope Exception netaddress", undefined);
  const prefix = pattern.slice(0, pattern.indexOf("{"));
  return last.slice(1, -1).split(",").filter((item) => item.length > 0).map((item) => prefix + item);
}

/** RangeRemoteAddressStrategy for IPv4: the first segment (1..3) holding `*` or `n-m` is the range. */
function ipv4Range(pattern: string): RemoteAddressMatcher {
  const parts = pattern.split(".").filter((part) => part.length > 0);
  const scopeError = (): never => badAddress(pattern);
  if (parts.length !== 4) scopeError();
  for (let index = 1; index <= 3; index++) {
    const value = parts[index]!.trim();
    let start = 0;
    let end = 0;
    if (value === "*") {
      end = 255;
    } else if (value.includes("-")) {
      if (value.startsWith("-")) throw new AclException(`RangeRemoteAddressStrategy netaddress examine scope Exception value ${value} `, undefined);
      const [from, to] = value.split("-").filter((item) => item.length > 0).map(Number);
      start = from ?? NaN;
      end = to ?? NaN;
      if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= 255 && start <= end)) {
        throw new AclException(`RangeRemoteAddressStrategy netaddress examine scope Exception start is ${start} , end is ${end}`, undefined);
      }
    }
    if (end <= 0) continue;
    // AclUtils.verify: the fixed head segments must be 0..255.
    for (let head = 0; head < index; head++) {
      const segment = Number(parts[head]!.trim());
      if (!Number.isInteger(segment) || segment < 0 || segment > 255) scopeError();
    }
    const head = parts.slice(0, index).map((part) => part.trim()).join(".") + ".";
    return {
      pattern,
      match: (host) => {
        if (!isValidInet4Address(host) || !host.startsWith(head)) return false;
        const segment = Number(host.slice(head.length).split(".")[0]);
        return segment >= start && segment <= end;
      },
    };
  }
  // RocketMQ leaves head null here and every match fails; a pattern that ranges nothing is a typo.
  return badAddress(pattern);
}

/** RangeRemoteAddressStrategy for IPv6: one `*` or `n-m` (hex) group after a fixed prefix. */
function ipv6Range(pattern: string): RemoteAddressMatcher {
  const groups = pattern.split(":").filter((group) => group.length > 0);
  const index = groups.findIndex((group, position) => position > 0 && (group === "*" || group.includes("-")));
  if (index <= 0) badAddress(pattern);
  const value = groups[index]!;
  let start = 0;
  let end = 0xffff;
  if (value !== "*") {
    const [from, to] = value.split("-").map((item) => parseInt(item, 16));
    start = from ?? NaN;
    end = to ?? NaN;
    if (!(start >= 0 && end <= 0xffff && start <= end)) {
      throw new AclException(`RangeRemoteAddressStrategy netaddress examine scope Exception start is ${start} , end is ${end}`, undefined);
    }
  }
  const head = groups.slice(0, index).map((group) => group.toUpperCase().padStart(4, "0")).join(":") + ":";
  return {
    pattern,
    match: (host) => {
      if (!isValidInet6Address(host)) return false;
      const expanded = expandIP(host, 8);
      if (!expanded.startsWith(head)) return false;
      const group = parseInt(expanded.slice(5 * index, 5 * index + 4), 16);
      return group >= start && group <= end;
    },
  };
}

/** RemoteAddressStrategyFactory.getRemoteAddressStrategy. */
export function remoteAddressMatcher(pattern: string | undefined | null): RemoteAddressMatcher {
  const text = pattern ?? "";
  if (text.trim() === "") return { pattern: text, match: () => false };
  if (text === "*" || text === "*.*.*.*" || text === "*:*:*:*:*:*:*:*") return { pattern: text, match: () => true };
  if (text.endsWith("}")) return setMatcher(text, braceAddresses(text, text.includes(":") ? ":" : "."));
  if (text.includes(",")) return setMatcher(text, text.split(",").filter((item) => item.length > 0));
  if (text.includes("*") || text.includes("-")) return text.includes(":") ? ipv6Range(text) : ipv4Range(text);
  const key = exactKey(text);
  return { pattern: text, match: (host) => (isValidInet6Address(host) ? expandIP(host, 8) : host) === key };
}

/** The host part of "ip:port" (PlainAccessValidator.parse: up to the last colon). */
export function hostOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(":");
  const host = colon < 0 ? remoteAddress : remoteAddress.slice(0, colon);
  return host.replace(/^\[(.*)\]$/, "$1");
}
