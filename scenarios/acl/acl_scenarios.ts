// Lab scenarios with RocketMQ's plain ACL on (Scenario.acl + Workload.acl) and the ACL faults:
// a wrong secret on one producer, a permission revoked mid-run, a malformed plain_acl.yml edit.
// What each should show: the producer with the wrong secret fails (SYSTEM_ERROR "Check
// signature failed", recorded as `fail`, not `unknown`) while the others go on; a revoked PUB
// fails every send with "No default permission for topic:…" until the file is restored; a
// malformed edit is rejected by the broker's watcher, which keeps the last good config, so
// nothing changes. Consumers keep SUB throughout.
import type { Scenario } from "../../chaos/scenario.ts";

export const aclTopic = "TopicAcl";
export const aclAdmin = { accessKey: "labAdmin1", secretKey: "labAdminSecret1" };
export const aclClient = { accessKey: "labClient1", secretKey: "labClientSecret1" };

export function aclFile(topicPerm: string): string {
  return [
    "accounts:",
    `  - accessKey: ${aclAdmin.accessKey}`,
    `    secretKey: ${aclAdmin.secretKey}`,
    "    admin: true",
    `  - accessKey: ${aclClient.accessKey}`,
    `    secretKey: ${aclClient.secretKey}`,
    "    defaultTopicPerm: DENY",
    "    defaultGroupPerm: SUB",
    "    topicPerms:",
    `      - ${aclTopic}=${topicPerm}`,
    "",
  ].join("\n");
}

/** A plain_acl.yml a hurried operator broke (an unclosed flow sequence). */
export const malformedAclFile = `accounts:\n  - accessKey: ${aclClient.accessKey}\n    topicPerms: [${aclTopic}=PUB\n`;

export const aclWindows = {
  secret: { atMs: 20_000, healAtMs: 40_000 },
  revoke: { atMs: 60_000, healAtMs: 80_000 },
  malformed: { atMs: 100_000, healAtMs: 120_000 },
} as const;

export function aclFaultsScenario(): Scenario {
  return {
    name: "1m/acl-faults",
    description: "1m with ACL on: producer-1's secret is wrong for 20 s, PUB on the topic is revoked for 20 s, plain_acl.yml is malformed for 20 s",
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH", autoCreateTopicEnable: "false" },
    acl: { file: aclFile("PUB|SUB") },
    workload: {
      topics: [{ name: aclTopic, queues: 4 }],
      producers: [{ count: 2, topic: aclTopic, ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 128 }],
      consumers: [{ group: "GroupAcl", topic: aclTopic, count: 1, mode: "push", model: "CLUSTERING" }],
      acl: { clients: aclClient, admin: aclAdmin },
    },
    faults: [
      { ...aclWindows.secret, fault: { kind: "acl-secret", target: "producer-1", secretKey: "rotatedElsewhere1" } },
      { ...aclWindows.revoke, fault: { kind: "acl-file", target: "broker-a", text: aclFile("SUB") } },
      { ...aclWindows.malformed, fault: { kind: "acl-file", target: "broker-a", text: malformedAclFile } },
    ],
    durationMs: 140_000,
    quiesceMs: 30_000,
    expectations: { checkers: ["delivery"] },
  };
}
