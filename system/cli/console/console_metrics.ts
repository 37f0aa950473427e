// The console's cluster-wide /metrics, named and labelled like apache/rocketmq-exporter so its
// dashboards and alerts work: rocketmq_producer_tps / _offset {cluster, broker, topic},
// rocketmq_consumer_tps / _offset {cluster, broker, topic, group}, rocketmq_group_diff /
// _retrydiff / _dlqdiff {group, topic, countOfOnlineConsumers, msgModel}, rocketmq_group_count
// {caddr, localaddr, group}, rocketmq_broker_tps / _qps {cluster, brokerIP, broker}. Every scrape
// asks the brokers afresh (one collect for all families, so a scrape is one consistent pass).
// rocketmq_producer_tps is the growth of a topic's max offsets between two scrapes (the exporter
// reads the broker's per-topic stats, which mqlab does not keep), so the first scrape reports 0.
import { Gauge, Registry } from "prom-client";
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import type { ConsoleContext } from "./context.ts";
import { topicKind } from "./pages_topics.ts";

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

type Families = Map<string, Sample[]>;

const families: [string, string, string[]][] = [
  ["rocketmq_producer_tps", "messages put per second into a topic on a broker", ["cluster", "broker", "topic"]],
  ["rocketmq_producer_offset", "sum of a topic's max queue offsets on a broker", ["cluster", "broker", "topic"]],
  ["rocketmq_consumer_tps", "messages consumed per second by a group on a topic", ["cluster", "broker", "topic", "group"]],
  ["rocketmq_consumer_offset", "sum of a group's consumer offsets on a topic", ["cluster", "broker", "topic", "group"]],
  ["rocketmq_group_diff", "messages a group has not consumed on a topic", ["group", "topic", "countOfOnlineConsumers", "msgModel"]],
  ["rocketmq_group_retrydiff", "messages a group has not consumed on its retry topic", ["group", "topic", "countOfOnlineConsumers", "msgModel"]],
  ["rocketmq_group_dlqdiff", "messages in a group's DLQ", ["group", "topic", "countOfOnlineConsumers", "msgModel"]],
  ["rocketmq_group_count", "online consumers of a group", ["caddr", "localaddr", "group"]],
  ["rocketmq_broker_tps", "messages put per second on a broker", ["cluster", "brokerIP", "broker"]],
  ["rocketmq_broker_qps", "messages got per second on a broker", ["cluster", "brokerIP", "broker"]],
];

function add(target: Families, name: string, labels: Record<string, string>, value: number): void {
  if (!Number.isFinite(value)) return;
  const list = target.get(name) ?? [];
  list.push({ labels, value });
  target.set(name, list);
}

/** One pass over the cluster: brokers, topics, groups. Brokers or groups that fail are skipped. */
export async function collectCluster(context: ConsoleContext, previous: Map<string, { offset: number; atMs: number }>): Promise<Families> {
  const out: Families = new Map();
  const { admin } = context;
  const nowMs = Date.now();
  const clusterOf = new Map<string, string>();
  for (const row of await admin.clusterList()) {
    clusterOf.set(row.brokerName, row.clusterName);
    if (row.runtime === undefined) continue;
    const labels = { cluster: row.clusterName, brokerIP: row.addr, broker: row.brokerName };
    add(out, "rocketmq_broker_tps", labels, Number((row.runtime.get("putTps") ?? "0").split(" ")[0]));
    add(out, "rocketmq_broker_qps", labels, Number((row.runtime.get("getTransferedTps") ?? "0").split(" ")[0]));
  }
  const info = await admin.clusterInfo();
  const names = new Set([...info.clusterAddrTable.keys(), ...info.brokerAddrTable.keys()]);
  const topics = await admin.topicList();
  for (const topic of topics.filter((t) => topicKind(t, names) === "normal")) {
    const perBroker = new Map<string, number>();
    try {
      for (const [mq, offsets] of await admin.topicStatus(topic)) perBroker.set(mq.brokerName, (perBroker.get(mq.brokerName) ?? 0) + offsets.maxOffset);
    } catch {
      continue; // deleted between the list and the stats
    }
    for (const [broker, offset] of perBroker) {
      const labels = { cluster: clusterOf.get(broker) ?? "", broker, topic };
      add(out, "rocketmq_producer_offset", labels, offset);
      const key = `${broker}\u0000${topic}`;
      const before = previous.get(key);
      add(out, "rocketmq_producer_tps", labels, before === undefined || nowMs <= before.atMs ? 0 : Math.max(0, ((offset - before.offset) * 1000) / (nowMs - before.atMs)));
      previous.set(key, { offset, atMs: nowMs });
    }
  }
  for (const group of topics.filter((t) => t.startsWith(RETRY_GROUP_TOPIC_PREFIX)).map((t) => t.slice(RETRY_GROUP_TOPIC_PREFIX.length))) {
    await collectGroup(context, out, group, topics.includes(DLQ_GROUP_TOPIC_PREFIX + group), clusterOf);
  }
  return out;
}

async function collectGroup(context: ConsoleContext, out: Families, group: string, hasDlq: boolean, clusterOf: Map<string, string>): Promise<void> {
  const { admin } = context;
  let online = 0;
  let msgModel = "CLUSTERING";
  try {
    const connection = await admin.consumerConnection(group);
    online = connection.connectionSet.length;
    msgModel = connection.messageModel;
    for (const client of connection.connectionSet) add(out, "rocketmq_group_count", { caddr: client.clientAddr, localaddr: client.clientId, group }, 1);
  } catch {
    // offline group: still report its lag
  }
  let progress;
  try {
    progress = await admin.consumerProgress(group);
  } catch {
    return; // no broker knows the group any more, or its broker is down: the exporter skips it too
  }
  const diff = new Map<string, number>();
  const perBroker = new Map<string, { topic: string; broker: string; offset: number }>();
  for (const row of progress.queues) {
    diff.set(row.mq.topic, (diff.get(row.mq.topic) ?? 0) + row.lag);
    const key = `${row.mq.brokerName}\u0000${row.mq.topic}`;
    const entry = perBroker.get(key) ?? { topic: row.mq.topic, broker: row.mq.brokerName, offset: 0 };
    entry.offset += row.consumerOffset;
    perBroker.set(key, entry);
  }
  const labelsOf = (topic: string) => ({ group, topic, countOfOnlineConsumers: String(online), msgModel });
  for (const [topic, lag] of diff) {
    add(out, topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) ? "rocketmq_group_retrydiff" : "rocketmq_group_diff", labelsOf(topic), lag);
  }
  for (const { topic, broker, offset } of perBroker.values()) {
    const labels = { cluster: clusterOf.get(broker) ?? "", broker, topic, group };
    add(out, "rocketmq_consumer_offset", labels, offset);
    add(out, "rocketmq_consumer_tps", labels, progress.consumeTps);
  }
  if (hasDlq) {
    try {
      const dlq = await admin.topicStatus(DLQ_GROUP_TOPIC_PREFIX + group);
      add(out, "rocketmq_group_dlqdiff", labelsOf(DLQ_GROUP_TOPIC_PREFIX + group), dlq.reduce((sum, [, o]) => sum + o.maxOffset - o.minOffset, 0));
    } catch {
      // DLQ topic without a route yet
    }
  }
}

/** A registry whose families are filled by one cluster pass per scrape. */
export function consoleRegistry(context: ConsoleContext): Registry {
  const registry = new Registry();
  const previous = new Map<string, { offset: number; atMs: number }>();
  let pass: Promise<Families> | undefined;
  // One cluster pass per scrape: Registry.metrics() calls every family's get() in order, so the
  // first family starts the pass and the others await the same one.
  families.forEach(([name, help, labelNames], index) => {
    new Gauge({
      name, help, labelNames, registers: [registry],
      async collect() {
        if (index === 0 || pass === undefined) pass = collectCluster(context, previous);
        const current = await pass;
        this.reset();
        for (const sample of current.get(name) ?? []) this.set(sample.labels, sample.value);
      },
    });
  });
  return registry;
}
