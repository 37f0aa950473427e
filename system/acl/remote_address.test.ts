// White address patterns as RocketMQ 4.9's RemoteAddressStrategyFactory reads them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AclException } from "./acl_exception.ts";
import { expandIP, hostOf, isValidInet4Address, isValidInet6Address, remoteAddressMatcher } from "./remote_address.ts";

function matches(pattern: string, host: string): boolean {
  return remoteAddressMatcher(pattern).match(host);
}

test("blank matches nothing; * forms match everything", () => {
  for (const blank of [undefined, "", "  "]) assert.equal(remoteAddressMatcher(blank).match("1.2.3.4"), false);
  for (const all of ["*", "*.*.*.*", "*:*:*:*:*:*:*:*"]) assert.equal(matches(all, "9.9.9.9"), true);
});

test("one address, IPv4 and IPv6 (expanded comparison)", () => {
  assert.equal(matches("192.168.1.10", "192.168.1.10"), true);
  assert.equal(matches("192.168.1.10", "192.168.1.11"), false);
  assert.equal(matches("::1", "0:0:0:0:0:0:0:1"), true);
  assert.equal(expandIP("::1", 8), "0000:0000:0000:0000:0000:0000:0000:0001");
});

test("wildcards and ranges on one segment", () => {
  assert.equal(matches("10.10.103.*", "10.10.103.77"), true);
  assert.equal(matches("10.10.103.*", "10.10.104.77"), false);
  assert.equal(matches("10.10.*.*", "10.10.250.1"), true);
  assert.equal(matches("192.168.1.1-5", "192.168.1.5"), true);
  assert.equal(matches("192.168.1.1-5", "192.168.1.6"), false);
  assert.equal(matches("192.168.1-5.*", "192.168.3.200"), true);
  assert.equal(matches("192.168.1-5.*", "192.168.6.1"), false);
  assert.equal(matches("2001:db8:0:0:0:0:0:*", "2001:db8::42"), true);
  assert.equal(matches("2001:db8:0:0:0:0:0:1-ff", "2001:db8::100"), false);
});

test("sets and lists", () => {
  assert.equal(matches("192.168.1.{1,2,3}", "192.168.1.2"), true);
  assert.equal(matches("192.168.1.{1,2,3}", "192.168.1.4"), false);
  assert.equal(matches("10.0.0.1,10.0.0.9", "10.0.0.9"), true);
  assert.equal(matches("10.0.0.1,10.0.0.9", "10.0.0.2"), false);
});

test("bad patterns throw RocketMQ's messages", () => {
  assert.throws(() => remoteAddressMatcher("10.0.0.300"), (error: unknown) => error instanceof AclException && error.message === "Netaddress examine Exception netaddress is 10.0.0.300");
  assert.throws(() => remoteAddressMatcher("10.0.0.9-2"), (error: unknown) => error instanceof AclException && error.message === "RangeRemoteAddressStrategy netaddress examine scope Exception start is 9 , end is 2");
  assert.throws(() => remoteAddressMatcher("10.0.{1,2}"), AclException);
  assert.throws(() => remoteAddressMatcher("10.0.0.1,nonsense"), AclException);
});

test("validators and host extraction", () => {
  assert.equal(isValidInet4Address("1.2.3.4"), true);
  assert.equal(isValidInet4Address("01.2.3.4"), false);
  assert.equal(isValidInet6Address("fe80::1"), true);
  assert.equal(isValidInet6Address("1:2:3:4:5:6:7:8:9"), false);
  assert.equal(hostOf("127.0.0.1:10911"), "127.0.0.1");
  assert.equal(hostOf("[::1]:10911"), "::1");
});
