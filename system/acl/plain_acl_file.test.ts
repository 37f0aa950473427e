// plain_acl.yml parsing: RocketMQ's sample file, scalar coercion, and errors naming file:line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AclFileError, parsePlainAclFile, stringifyPlainAclFile } from "./plain_acl_file.ts";
import { buildAclSnapshot } from "./plain_permission_manager.ts";

const sample = `globalWhiteRemoteAddresses:
  - 10.10.103.*
  - 192.168.0.*

accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
    groupPerms:
      # the group should convert to retry topic
      - groupA=DENY

  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    # if it is admin, it could access all resources
    admin: true
`;

test("RocketMQ's distribution sample parses; numbers become strings as Java converts them", () => {
  const file = parsePlainAclFile("/h/conf/plain_acl.yml", sample);
  assert.deepEqual(file.globalWhiteRemoteAddresses.map((white) => white.pattern), ["10.10.103.*", "192.168.0.*"]);
  assert.equal(file.accounts.length, 2);
  const first = file.accounts[0]!;
  assert.equal(first.secretKey, "12345678");
  assert.equal(first.whiteRemoteAddress, undefined);
  assert.deepEqual(first.topicPerms, ["topicA=DENY", "topicB=PUB|SUB"]);
  assert.equal(first.line, 6);
  assert.equal(file.accounts[1]!.admin, true);
  const snapshot = buildAclSnapshot([file]);
  assert.equal(snapshot.accounts.get("RocketMQ")?.resourcePerms?.get("%RETRY%groupA"), 1);
});

test("a big integer secret keeps every digit", () => {
  const file = parsePlainAclFile("f.yml", "accounts:\n  - accessKey: abcdefg\n    secretKey: 123456789012345678901234567890\n");
  assert.equal(file.accounts[0]!.secretKey, "123456789012345678901234567890");
});

test("empty file has no data", () => {
  assert.deepEqual(parsePlainAclFile("e.yml", "").accounts, []);
  assert.deepEqual(parsePlainAclFile("e.yml", "# only a comment\n").accounts, []);
});

test("YAML syntax error names file and line", () => {
  const text = "accounts:\n  - accessKey: abcdefg\n    secretKey: [unclosed\n    admin: true\n";
  assert.throws(() => parsePlainAclFile("/h/conf/plain_acl.yml", text), (error: unknown) =>
    error instanceof AclFileError && error.path === "/h/conf/plain_acl.yml" && error.line >= 3 && error.message.startsWith(`/h/conf/plain_acl.yml:${error.line}: `));
});

test("semantic errors name the offending line", () => {
  const badPattern = "globalWhiteRemoteAddresses:\n  - 10.0.0.1\n  - 10.0.0.999\n";
  assert.throws(() => buildAclSnapshot([parsePlainAclFile("g.yml", badPattern)]), (error: unknown) =>
    error instanceof AclFileError && error.message === "g.yml:3: Netaddress examine Exception netaddress is 10.0.0.999");
  const shortKey = "accounts:\n  - accessKey: abcdefg\n    secretKey: 12345678\n  - accessKey: short\n    secretKey: 12345678\n";
  assert.throws(() => buildAclSnapshot([parsePlainAclFile("k.yml", shortKey)]), (error: unknown) =>
    error instanceof AclFileError && error.message === "k.yml:4: The accessKey=short and secretKey=12345678 cannot be null and length should longer than 6");
  const badPerm = "accounts:\n  - accessKey: abcdefg\n    secretKey: 12345678\n    topicPerms:\n      - topicA\n";
  assert.throws(() => buildAclSnapshot([parsePlainAclFile("p.yml", badPerm)]), (error: unknown) =>
    error instanceof AclFileError && error.message === "p.yml:2: Parse resource permission failed for topic:topicA");
  assert.throws(() => parsePlainAclFile("m.yml", "accounts: yes-please\n"), (error: unknown) => error instanceof AclFileError && error.message === "m.yml:1: accounts must be a list");
});

test("a file written by the admin codes parses back to the same data", () => {
  const text = stringifyPlainAclFile({
    globalWhiteRemoteAddresses: ["10.0.0.*"],
    accounts: [{ accessKey: "abcdefgh", secretKey: "0123", whiteRemoteAddress: undefined, admin: false, defaultTopicPerm: "PUB", defaultGroupPerm: undefined, topicPerms: ["t=SUB"], groupPerms: undefined }],
    dataVersion: { counter: 3, timestamp: 1700000000000 },
  });
  const file = parsePlainAclFile("w.yml", text);
  assert.equal(file.accounts[0]!.secretKey, "0123");
  assert.deepEqual(file.dataVersion, { counter: 3, timestamp: 1700000000000 });
  assert.deepEqual(file.accounts[0]!.topicPerms, ["t=SUB"]);
});
