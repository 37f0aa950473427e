// Incident 13: ACL on, the admin tool has no keys. The brokers run with aclEnable=true; the
// application's producers and consumers were given their accessKey/secretKey, but the admin
// that creates the application's topic (mqadmin updateTopic, or a console) was not: the broker
// answers every UPDATE_AND_CREATE_TOPIC with SYSTEM_ERROR "AclException: No accessKey is
// configured", the topic never exists (autoCreateTopicEnable=false, as in production), and
// every send fails with "No route info of this topic".
// Broken: Workload.acl has client keys only. Fixed: the admin signs with an admin account
// (Workload.acl.admin — what `mqadmin --accessKey/--secretKey` or conf/tools.yml does).
// Read from the history: the recorded topic-creation refusals and the sends' outcomes.
import type { Scenario } from "../../../chaos/scenario.ts";
import { aclAdmin, aclClient, aclFile, aclTopic } from "../../acl/acl_scenarios.ts";
import { secondsText, sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

function scenario(phase: PhaseName, _deployer: IncidentDeployer): Scenario {
  return {
    name: phaseScenarioName(incident, phase),
    description: `1m with ACL on; clients have keys; the topic admin ${phase === "broken" ? "has none" : `signs as ${aclAdmin.accessKey} (admin: true)`}`,
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH", autoCreateTopicEnable: "false" },
    acl: { file: aclFile("PUB|SUB") },
    workload: {
      topics: [{ name: aclTopic, queues: 4 }],
      producers: [{ count: 1, topic: aclTopic, ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 128 }],
      consumers: [{ group: "GroupAcl", topic: aclTopic, count: 1, mode: "push", model: "CLUSTERING" }],
      acl: phase === "broken" ? { clients: aclClient } : { clients: aclClient, admin: aclAdmin },
    },
    faults: [],
    durationMs: 60_000,
    quiesceMs: 20_000,
    expectations: { checkers: ["delivery"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const refusals = run.history.filter((event) => event.type === "note" && event.text.includes("not created") && event.text.includes("AclException"));
  const sends = sendOps(run.history);
  const acked = sends.filter((op) => op.outcome === "ok");
  const failed = sends.filter((op) => op.outcome === "fail");
  const endMs = run.history.reduce((max, event) => Math.max(max, event.timeMs), 0);
  const present = refusals.length > 0 && acked.length === 0 && failed.length > 0;
  const refusal = refusals[0]?.type === "note" ? refusals[0].text : undefined;
  return {
    present,
    summary: present
      ? `The admin's topic creation was refused (${refusal ?? "ACL"}); none of ${sends.length} sends was acked over ${secondsText(endMs)} (e.g. "${failed[0]?.error ?? ""}").`
      : `The topic was created (${refusals.length} refusals recorded); ${acked.length} of ${sends.length} sends were acked.`,
    measured: { topicCreationRefusals: refusals.length, sends: sends.length, acked: acked.length, failed: failed.length },
    spans: present ? [{ startMs: 0, endMs, label: "no topic: admin has no ACL keys" }] : [],
  };
}

export const incident: Incident = {
  name: "acl-admin-no-keys",
  number: 13,
  narrative: {
    title: "ACL on, the admin tool has no keys: nobody can manage the cluster",
    symptom: "After aclEnable=true was rolled out, `mqadmin updateTopic` (or the console) fails with \"CODE: 1 … AclException: No accessKey is configured\"; the new application's topic does not exist and its producers fail every send with \"No route info of this topic\", although the application itself was given valid keys.",
    cause: "With ACL on, the broker checks every request before its processor: a request without AccessKey is refused unless its address is in globalWhiteRemoteAddresses, and the topic/group admin codes (17, 25, 215, 200, 207) also need an account with admin: true. The NameServer has no ACL, so routes and cluster lists still work, which makes the admin tool look half-broken rather than unauthenticated.",
    reportShows: "Broken phase: the history notes the refused topic creation with the AclException remark, and every send fails (red) for the whole run — the symptom band. Fixed phase: the admin signs as an admin account, the topic is created before the first send, and every send is acked.",
    fix: "Give the admin tool an admin account: `mqadmin … --accessKey K --secretKey S`, or RocketMQ's $ROCKETMQ_HOME/conf/tools.yml with accessKey/secretKey, or the console's ACL settings; keep the admin hosts out of globalWhiteRemoteAddresses unless they are truly trusted.",
  },
  phaseTitles: { broken: "the topic admin has no ACL keys", fixed: "the topic admin signs with an admin account" },
  deployers: ["sim"],
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
