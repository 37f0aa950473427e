// Metrics end to end: a real NameServer and broker with `metricsPort` set, mqconsole, and Debian's
// prometheus (installed with apt-get when missing, else skipped with the reason) on loopback. The
// broker's and the console's /metrics parse as Prometheus text (parse-prometheus-text-format)
// with rocketmq-exporter's names; rocketmq_group_diff goes down while a consumer drains; a real
// Prometheus scrapes both and its query API returns rocketmq_group_diff for the group.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../../client/admin/admin_client.ts";
import { PushConsumer } from "../../client/consumer/push_consumer.ts";
import { Producer } from "../../client/producer/producer.ts";
import type { ProcessCluster } from "../../client/test/worker_support.ts";
import { startProcessCluster, waitUntil } from "../../client/test/worker_support.ts";
import { createRealEnv } from "../../env/real/index.ts";
import { freePort } from "../testing/processes.ts";
import { ensurePrometheus, killConsoleChildren, startConsole, startPrometheus, stopChild } from "./testing/console_fixture.ts";
import type { Spawned } from "./testing/console_fixture.ts";
import { family, parsePrometheusText, sampleSum } from "./testing/prom_text.ts";
import type { PromFamily } from "./testing/prom_text.ts";

const env = createRealEnv({ nodeName: "metrics-int", logLevel: "silent" });
const group = "MetricsLagGroup";
const topic = "MetricsLagTopic";
let cluster: ProcessCluster;
let consoleUrl: string;
let consoleProcess: Spawned;
let brokerMetricsUrl: string;
let admin: AdminClient;
let producer: Producer;
let consumer: PushConsumer;
let paused = true;

async function scrape(url: string): Promise<PromFamily[]> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

before(async () => {
  const metricsPort = await freePort();
  cluster = await startProcessCluster(["broker-a"], { metricsPort });
  brokerMetricsUrl = `http://127.0.0.1:${metricsPort}`;
  const started = await startConsole(cluster.namesrvAddr);
  consoleUrl = started.url;
  consoleProcess = started.process;
  admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr });
  admin.start();
  producer = new Producer(env, { namesrvAddr: cluster.namesrvAddr, producerGroup: "MetricsIntProducer" });
  await producer.start();
  await admin.createTopic({ topic, clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  consumer = new PushConsumer(env, {
    namesrvAddr: cluster.namesrvAddr, consumerGroup: group, consumeThreadMax: 1, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    rebalanceIntervalMs: 1000, heartbeatBrokerIntervalMs: 1000, heartbeatFirstDelayMs: 100, persistConsumerOffsetIntervalMs: 300, pollNameServerIntervalMs: 1000,
  });
  consumer.subscribe(topic, "*");
  consumer.registerMessageListenerConcurrently(async () => {
    while (paused) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 30));
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  await waitUntil("queues held", () => consumer.assignedQueues().filter((mq) => mq.topic === topic).length === 2);
  for (let i = 0; i < 120; i++) await producer.send({ topic, body: `metrics-${i}`, keys: `k-${i}` });
});

after(async () => {
  paused = false;
  await consumer?.shutdown();
  await producer?.shutdown();
  admin?.shutdown();
  if (consoleProcess !== undefined) await stopChild(consoleProcess);
  killConsoleChildren();
  await cluster?.stop();
  env.close();
});

test("the broker's /metrics: valid text with broker TPS, put latency histogram, flush and replication lag, disk ratio", { timeout: 60_000 }, async () => {
  const families = await scrape(brokerMetricsUrl);
  for (const name of ["rocketmq_broker_tps", "rocketmq_broker_qps", "mqlab_broker_flush_lag_bytes", "mqlab_broker_replication_lag_bytes", "mqlab_broker_commitlog_disk_ratio"]) {
    assert.ok(family(families, name) !== undefined, `${name} missing`);
  }
  assert.deepEqual(Object.keys(family(families, "rocketmq_broker_tps")!.metrics[0]!.labels ?? {}).sort(), ["broker", "brokerIP", "cluster"]);
  assert.equal(sampleSum(families, "mqlab_broker_put_messages"), 120);
  const latency = family(families, "mqlab_broker_put_latency_seconds");
  assert.equal(latency?.type, "HISTOGRAM");
  assert.equal(latency.metrics[0]?.buckets?.["+Inf"], "120", "every put was timed");
  const ratio = sampleSum(families, "mqlab_broker_commitlog_disk_ratio")!;
  assert.ok(ratio > 0 && ratio <= 1, `disk ratio ${ratio}`);
  const notFound = await fetch(`${brokerMetricsUrl}/other`);
  assert.equal(notFound.status, 404);
});

test("the console's /metrics: exporter names and labels, rocketmq_group_diff drains with the consumer, and a real Prometheus scrapes both", { timeout: 600_000 }, async (t) => {
  // 4.9.x's GET_CONSUME_STATS lists a group's topic only once the group has committed an offset
  // there (whichTopicByConsumer), which the paused consumer does at its next persist tick: the
  // 120 sends can beat it, so scrape until the group's lag series is there (bounded).
  let families = await scrape(consoleUrl);
  const deadlineMs = Date.now() + 20_000;
  while (family(families, "rocketmq_group_diff")?.metrics.some((sample) => sample.labels?.["group"] === group) !== true && Date.now() < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    families = await scrape(consoleUrl);
  }
  for (const name of ["rocketmq_producer_tps", "rocketmq_producer_offset", "rocketmq_consumer_tps", "rocketmq_consumer_offset", "rocketmq_group_diff",
    "rocketmq_group_retrydiff", "rocketmq_group_dlqdiff", "rocketmq_group_count", "rocketmq_broker_tps", "rocketmq_broker_qps"]) {
    assert.ok(family(families, name) !== undefined, `${name} missing`);
  }
  const diffSample = family(families, "rocketmq_group_diff")!.metrics.find((sample) => sample.labels?.["group"] === group);
  assert.deepEqual(diffSample?.labels, { group, topic, countOfOnlineConsumers: "1", msgModel: "CLUSTERING" });
  assert.equal(sampleSum(families, "rocketmq_producer_offset", { topic }), 120);
  assert.deepEqual(Object.keys(family(families, "rocketmq_consumer_offset")!.metrics[0]!.labels ?? {}).sort(), ["broker", "cluster", "group", "topic"]);
  assert.equal(sampleSum(families, "rocketmq_group_count", { group }), 1);

  const prometheus = ensurePrometheus();
  let promUrl: string | undefined;
  let promProcess: Spawned | undefined;
  const promDir = mkdtempSync(join(tmpdir(), "mqconsole-prometheus-"));
  try {
    if (typeof prometheus === "string") {
      t.diagnostic(`real Prometheus part skipped: ${prometheus}`);
    } else {
      const started = await startPrometheus(prometheus.path, promDir, {
        mqconsole: consoleUrl.replace("http://", ""), mqbroker: brokerMetricsUrl.replace("http://", ""),
      });
      promUrl = started.url;
      promProcess = started.process;
    }
    const diffs = [sampleSum(families, "rocketmq_group_diff", { group })!];
    assert.ok(diffs[0]! >= 100, `initial diff ${diffs[0]}`);
    if (promUrl !== undefined) {
      const query = async (expression: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
        const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expression)}`);
        const body = await response.json() as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        assert.equal(body.status, "success");
        return body.data.result;
      };
      let result: Awaited<ReturnType<typeof query>> = [];
      for (let attempt = 0; attempt < 60 && result.length === 0; attempt++) {
        result = await query(`rocketmq_group_diff{group="${group}"}`);
        if (result.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.equal(result.length, 1, "Prometheus returned rocketmq_group_diff for the group");
      assert.equal(result[0]!.metric["job"], "mqconsole");
      assert.equal(result[0]!.metric["topic"], topic);
      assert.ok(Number(result[0]!.value[1]) >= 100, `Prometheus sees the backlog: ${result[0]!.value[1]}`);
      let latency: Awaited<ReturnType<typeof query>> = [];
      for (let attempt = 0; attempt < 20 && latency.length === 0; attempt++) {
        latency = await query(`mqlab_broker_put_latency_seconds_count{job="mqbroker"}`);
        if (latency.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.equal(latency[0]?.value[1], "120", "Prometheus scraped the broker's histogram");
    }
    paused = false;
    while (diffs[diffs.length - 1]! > 0 && diffs.length < 200) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      diffs.push(sampleSum(await scrape(consoleUrl), "rocketmq_group_diff", { group }) ?? -1);
    }
    assert.equal(diffs[diffs.length - 1], 0, `diffs ${diffs.join(" ")}`);
    assert.ok(diffs.some((diff) => diff > 0 && diff < diffs[0]!), `a scrape showed a partial drain: ${diffs.join(" ")}`);
    for (let i = 1; i < diffs.length; i++) assert.ok(diffs[i]! <= diffs[i - 1]!, `diff never grows: ${diffs.join(" ")}`);
    t.diagnostic(`rocketmq_group_diff over ${diffs.length} scrapes: ${diffs.join(" ")}`);
  } finally {
    if (promProcess !== undefined) await stopChild(promProcess);
    rmSync(promDir, { recursive: true, force: true });
  }
});
