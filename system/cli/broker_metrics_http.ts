// The broker's Prometheus endpoint: GET /metrics on 127.0.0.1/0.0.0.0:`metricsPort` (broker.conf,
// off when 0), served by the mqbroker bin so system/broker stays Env-only. Every scrape reads a
// fresh BrokerMetricsSnapshot; nothing is cached. Names: rocketmq_broker_tps / rocketmq_broker_qps
// with rocketmq-exporter's labels (cluster, brokerIP, broker), the rest mqlab_broker_*.
import { createServer } from "node:http";
import type { Server } from "node:http";
import { Gauge, Registry } from "prom-client";
import type { BrokerMetricsSnapshot } from "../broker/broker_metrics.ts";
import { bucketedHistogram } from "./prom_histogram.ts";

type Read = () => BrokerMetricsSnapshot;

function gauge(registry: Registry, name: string, help: string, read: Read, value: (s: BrokerMetricsSnapshot) => number | undefined, labelNames: readonly string[] = ["cluster", "broker", "brokerIP"]): void {
  new Gauge({
    name, help, labelNames: [...labelNames], registers: [registry],
    collect() {
      const snapshot = read();
      const figure = value(snapshot);
      this.reset();
      if (figure === undefined) return;
      const labels: Record<string, string> = { cluster: snapshot.cluster, broker: snapshot.broker, brokerIP: snapshot.brokerIP };
      this.set(Object.fromEntries(labelNames.map((label) => [label, labels[label] ?? ""])), figure);
    },
  });
}

export function brokerRegistry(read: Read): Registry {
  const registry = new Registry();
  const exporterLabels = ["cluster", "brokerIP", "broker"];
  gauge(registry, "rocketmq_broker_tps", "messages put per second (10 s window)", read, (s) => s.putTps, exporterLabels);
  gauge(registry, "rocketmq_broker_qps", "messages got per second (10 s window)", read, (s) => s.getTps, exporterLabels);
  gauge(registry, "mqlab_broker_put_messages", "messages accepted since boot", read, (s) => s.putMessagesTotal);
  gauge(registry, "mqlab_broker_get_messages", "messages handed to pulls since boot", read, (s) => s.getMessagesTotal);
  gauge(registry, "mqlab_broker_send_requests", "send requests since boot", read, (s) => s.sendRequestsTotal);
  gauge(registry, "mqlab_broker_pull_requests", "pull requests since boot", read, (s) => s.pullRequestsTotal);
  gauge(registry, "mqlab_broker_commitlog_max_offset_bytes", "commit log max physical offset", read, (s) => s.commitLogMaxOffset);
  gauge(registry, "mqlab_broker_commitlog_min_offset_bytes", "commit log min physical offset", read, (s) => s.commitLogMinOffset);
  gauge(registry, "mqlab_broker_flush_lag_bytes", "bytes appended but not flushed (remainHowManyDataToFlush)", read, (s) => s.flushLagBytes);
  gauge(registry, "mqlab_broker_replication_lag_bytes", "master: bytes its slave has not received", read, (s) => s.replicationLagBytes);
  gauge(registry, "mqlab_broker_ha_connections", "slave connections of a master", read, (s) => s.haConnections);
  gauge(registry, "mqlab_broker_commitlog_disk_ratio", "used fraction of the commit log's disk (commitLogDiskRatio)", read, (s) => s.commitLogDiskRatio);
  gauge(registry, "mqlab_broker_boot_timestamp_seconds", "when the broker started", read, (s) => s.bootTimestampMs / 1000);
  registry.registerMetric(bucketedHistogram("mqlab_broker_put_latency_seconds", "store put latency of the send path (putMessageDistributeTime)", () => {
    const snapshot = read();
    return Promise.resolve([{
      labels: { cluster: snapshot.cluster, broker: snapshot.broker, brokerIP: snapshot.brokerIP },
      bounds: snapshot.putLatency.boundsMs.map((ms) => ms / 1000), bucketCounts: snapshot.putLatency.bucketCounts, sum: snapshot.putLatency.sumMs / 1000,
    }]);
  }));
  return registry;
}

/** Starts the endpoint; resolves once it listens (rejects with the listen error, e.g. EADDRINUSE). */
export function serveBrokerMetrics(host: string, port: number, read: Read): Promise<Server> {
  const registry = brokerRegistry(read);
  const server = createServer((request, response) => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics\n");
      return;
    }
    registry.metrics().then((text) => {
      response.writeHead(200, { "content-type": registry.contentType }).end(text);
    }, (error: unknown) => {
      response.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${String(error)}\n`);
    });
  });
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      done(server);
    });
  });
}
