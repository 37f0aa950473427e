// Incident 11: a console or tool that cannot reach the NameServer because of its address list.
// A client tries the NameServers of its NAMESRV_ADDR in turn and fails over when one cannot be
// reached; with a single address there is nothing to fail over to, and the error names that
// address. Broken: namesrv-1 is down; one tool lists only namesrv-1, another lists namesrv-2
// with the default port 9876 where it listens on 9877 (a wrong address). Fixed: both tools list
// both NameServers correctly and fail over to namesrv-2. The tools are producers started after
// namesrv-1 went down; read from their recorded sends and errors.
import type { Scenario } from "../../../chaos/scenario.ts";
import { sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

/** Producer node names follow the workload's order: producer-1 is the application. */
const tools = [
  { node: "producer-2", broken: "namesrv-1", fixed: "namesrv-1;namesrv-2", mistake: "lists only namesrv-1, which is down" },
  { node: "producer-3", broken: "namesrv-2:9876", fixed: "namesrv-1;namesrv-2", mistake: "lists namesrv-2 with port 9876 (it listens on 9877)" },
];
const timings = {
  sim: { namesrvDownAtMs: 5_000, toolsStartMs: 15_000, durationMs: 60_000, quiesceMs: 20_000 },
  process: { namesrvDownAtMs: 3_000, toolsStartMs: 8_000, durationMs: 25_000, quiesceMs: 8_000 },
};

function scenario(phase: PhaseName, deployer: IncidentDeployer): Scenario {
  const time = timings[deployer];
  return {
    name: phaseScenarioName(incident, phase),
    description: `2m-noslave: namesrv-1 is down from ${time.namesrvDownAtMs / 1000} s; two tools start at ${time.toolsStartMs / 1000} s with NAMESRV_ADDR ` +
      tools.map((tool) => `"${tool[phase]}"`).join(" and "),
    topology: "2m-noslave",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    ...(deployer === "sim" ? {} : { intervals: incident.processIntervals }),
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [
        { count: 1, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256 },
        ...tools.map((tool) => ({ count: 1, topic: "TopicTest", ratePerSecond: 2, sendMode: "sync" as const, bodySizeBytes: 128, startAtMs: time.toolsStartMs, namesrvAddr: tool[phase] })),
      ],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 1, mode: "push", model: "CLUSTERING" }],
    },
    faults: [{ atMs: time.namesrvDownAtMs, fault: { kind: "crash", target: "namesrv-1" } }],
    durationMs: time.durationMs,
    quiesceMs: time.quiesceMs,
    expectations: { checkers: ["delivery", "failover"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const sends = sendOps(run.history);
  const per = tools.map((tool) => {
    const own = sends.filter((op) => op.process === tool.node);
    const failed = own.filter((op) => op.outcome !== "ok");
    const startMs = own[0]?.invokeMs ?? 0;
    const lastFailMs = failed.reduce((max, op) => Math.max(max, op.outcomeMs ?? op.invokeMs), startMs);
    // A clear message names where the client looked: an address with its port.
    const example = failed[0]?.error ?? "";
    return { tool, sends: own.length, acked: own.length - failed.length, failed: failed.length, example, namesAddress: /\d+\.\d+\.\d+\.\d+:\d+/.test(example), startMs, lastFailMs };
  });
  const stuck = per.filter((entry) => entry.acked === 0 && entry.failed > 0);
  const present = stuck.length > 0;
  const measured: SymptomReading["measured"] = {};
  for (const entry of per) {
    measured[`${entry.tool.node}Acked`] = entry.acked;
    measured[`${entry.tool.node}Failed`] = entry.failed;
    if (entry.failed > 0) measured[`${entry.tool.node}ErrorNamesAddress`] = entry.namesAddress;
  }
  return {
    present,
    summary: present
      ? stuck.map((entry) => `${entry.tool.node} (NAMESRV_ADDR ${entry.tool.mistake}) failed all ${entry.failed} sends: "${entry.example}"`).join("; ") + "."
      : per.map((entry) => `${entry.tool.node} acked ${entry.acked} of ${entry.sends}${entry.failed > 0 ? ` after ${entry.failed} failures` : ""}`).join("; ") + " — they failed over to the NameServer that answers.",
    measured,
    spans: stuck.map((entry) => ({ startMs: entry.startMs, endMs: Math.max(entry.lastFailMs, entry.startMs + 1), label: `${entry.tool.node} reaches no NameServer` })),
  };
}

export const incident: Incident = {
  name: "namesrv-address-list",
  number: 11,
  narrative: {
    title: "A tool cannot reach the NameServer because of its address list",
    symptom: "The console (or mqadmin, or a batch job) reports that it cannot connect to the NameServer while the applications work fine.",
    cause: "Every client takes its NameServer list from one setting (-n, NAMESRV_ADDR, namesrvAddr): a ';'-separated list it tries in turn, failing over when one cannot be reached. The applications list both NameServers; the tool was set up by hand with one address — here one tool lists only namesrv-1, which is down, the other lists namesrv-2 with the default port 9876 while it listens on 9877. With a single address there is nothing to fail over to.",
    reportShows: "Broken phase: namesrv-1's crash band; the two tools start inside it and every one of their sends fails, their recorded error naming the address they tried (\"connect to <ip>:<port> failed\"), while producer-1, configured with both, keeps sending. Fixed phase: the tools list both NameServers correctly; their first route lookup fails over to namesrv-2 and every send is acked.",
    fix: "Give every client, tool and console the full, correct NameServer list (\"host1:9876;host2:9876\", each with its real port), from one shared configuration rather than by hand; check it with `mqadmin clusterList -n \"<list>\"`. When the error names a single address, the list has a single address.",
  },
  phaseTitles: { broken: "tools with one NameServer address", fixed: "tools with the full list" },
  deployers: ["sim", "process"],
  processIntervals: { routePollMs: 5_000, clientHeartbeatMs: 5_000, rebalanceMs: 5_000 },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
