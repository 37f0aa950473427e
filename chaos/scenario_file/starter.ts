// `mqlab new <name>`: a commented starter scenario file. It is a valid scenario as written (a
// test loads it): two masters, a steady producer and a consumer group, one broker crash and
// restart, the delivery and failover checks. The comments name the other choices.
import { scenarioSchemaPath } from "./schema_files.ts";

export function starterScenarioYaml(name: string): string {
  return `# yaml-language-server: $schema=${scenarioSchemaPath}
# mqlab scenario file. Run: npx mqlab run ${name}.yaml --seed 1   (--deployer sim|process|container|external)
# Copy a built-in one instead: npx mqlab show <scenario>   (npx mqlab list names them)
name: ${JSON.stringify(name)}
description: "2m-noslave: steady sends while broker-a crashes and restarts"
# One of 1m | 2m-noslave | 2m-2s-async | 2m-2s-sync, or a directory (relative to this file)
# holding topology.json ({"name", "description", "nameServers": 1, "brokers": ["broker-a.properties", ...]})
# and your own broker.conf files, one <node>.properties per broker.
topology: 2m-noslave
# broker.conf overrides for every broker, and per broker node (values are strings).
brokerConfig:
  flushDiskType: ASYNC_FLUSH
# brokerConfigByNode:
#   broker-b: { maxMessageSize: "65536" }
# RocketMQ timings (ms) a run may shorten; the rest keep RocketMQ 4.9.7's defaults.
intervals:
  routePollMs: 5000
  clientHeartbeatMs: 5000
  rebalanceMs: 5000
workload:
  topics:
    - { name: TopicTest, queues: 4 }
  # Node names: producer-1, producer-2, ... across all producer entries.
  producers:
    - { count: 1, topic: TopicTest, ratePerSecond: 20, sendMode: sync, bodySizeBytes: 256 }
  # Node names: consumer-<group>-1, ...; mode push|pull, model CLUSTERING|BROADCASTING.
  consumers:
    - { group: GroupTest, topic: TopicTest, count: 2, mode: push, model: CLUSTERING }
# The fault timeline, in run time (ms). Kinds: crash, power-loss, pause, firewall, heartbeat-loss,
# partition, flow, connection-reset, clock-skew, slow-disk, disk-full, namesrv-all-down.
# Nodes: namesrv-1, broker-a, broker-b (the topology's file stems), and the workload's clients.
faults:
  - atMs: 20000
    healAtMs: 35000
    fault: { kind: crash, target: broker-a }
  # - atMs: 40000
  #   healAtMs: 50000
  #   fault: { kind: firewall, source: producer-1, target: broker-b, port: broker, mode: drop, direction: both }
durationMs: 60000   # producers send this long
quiesceMs: 20000    # then faults heal and consumers drain this long
expectations:
  # delivery, order, failover, rebalance, latency, orderly, sharding, retry, delay, late-join,
  # producer-failover, replica, routes, duplicates, send-status
  checkers: [delivery, failover]
  maxSendUnavailableMs: 30000
`;
}
