// mqlab in the side-by-side benchmark: a real mqnamesrv and mqbroker process (the flush mode
// given), driven by this process's own Producer (window and sequential sends) and drained by a
// PullConsumer (one pull of 32 in flight per queue) and by a PushConsumer. Every client uses the
// header encoding given (JSON as RocketMQ 4.x's default, or the binary ROCKETMQ one).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeBrokerPort, killAll, startBroker, startNamesrv, writeBrokerConf } from "../../../system/cli/testing/processes.ts";
import { AdminClient, PullConsumer, PushConsumer, Producer } from "../../../system/client/index.ts";
import type { Env } from "../../../system/env/index.ts";
import type { ClientSerializeType } from "../../../system/client/index.ts";
import { measure, runSequential, runWindow, warmUp } from "./drivers.ts";
import type { Figure, Measured } from "./drivers.ts";
import type { BenchConfig } from "./peers.ts";

const QUEUES = 4;

async function createTopics(env: Env, namesrvAddr: string): Promise<void> {
  const admin = new AdminClient(env, { namesrvAddr });
  admin.start();
  try {
    for (const topic of ["BenchWarm", "BenchPub", "BenchSeq", "BenchBacklog"]) {
      await admin.createTopic({ topic, clusterName: "DefaultCluster", readQueueNums: QUEUES, writeQueueNums: QUEUES });
    }
  } finally {
    admin.shutdown();
  }
}

export async function benchMqlab(
  env: Env, config: BenchConfig, flushDiskType: "ASYNC_FLUSH" | "SYNC_FLUSH", serializeType: ClientSerializeType = "JSON",
): Promise<Figure[]> {
  const peer = `mqlab-${flushDiskType === "ASYNC_FLUSH" ? "async" : "sync"}${serializeType === "JSON" ? "" : "-rocketmq"}`;
  const dir = mkdtempSync(join(tmpdir(), "mqlab-peer-bench-"));
  const figures: Figure[] = [];
  try {
    const namesrv = await startNamesrv(dir);
    const namesrvAddr = `127.0.0.1:${namesrv.port}`;
    const port = await freeBrokerPort();
    const broker = await startBroker(writeBrokerConf(dir, port, { namesrvAddr, flushDiskType, mapedFileSizeCommitLog: 256 * 1024 * 1024, mapedFileSizeConsumeQueue: 6_000_000 }));
    const pid = broker.child.pid;
    await createTopics(env, namesrvAddr);
    const producer = new Producer(env, { namesrvAddr, producerGroup: "BenchProducer", serializeType });
    await producer.start();
    const send = (topic: string) => () => producer.send({ topic, body: config.payload });
    console.error(`  ${peer} warm-up: ${await warmUp(config.warmN, config.window, config.maxSeconds, send("BenchWarm"))} publishes`);
    figures.push(await measure(peer, "publish", pid, () => runWindow(config.n, config.window, config.maxSeconds, send("BenchPub"))));
    figures.push(await measure(peer, "sequential", pid, () => runSequential(config.sequentialN, config.maxSeconds, send("BenchSeq"))));
    const fill = await measure(peer, "fill", pid, () => runWindow(config.backlog, config.window, config.fillMaxSeconds, send("BenchBacklog")));
    figures.push(fill);
    await producer.shutdown();
    figures.push(await measure(peer, "drain-pull", pid, () => pullDrain(env, namesrvAddr, serializeType, fill.count, config.maxSeconds)));
    figures.push(await measure(peer, "drain-push", pid, () => pushDrain(env, namesrvAddr, serializeType, fill.count, config.maxSeconds)));
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

async function pullDrain(env: Env, namesrvAddr: string, serializeType: ClientSerializeType, total: number, maxSeconds: number): Promise<Measured> {
  const consumer = new PullConsumer(env, { namesrvAddr, consumerGroup: "BenchPull", serializeType });
  await consumer.start();
  const queues = await consumer.fetchSubscribeMessageQueues("BenchBacklog");
  const started = performance.now();
  let count = 0;
  await Promise.all(queues.map(async (mq) => {
    let offset = 0;
    while (count < total && performance.now() - started < maxSeconds * 1000) {
      const result = await consumer.pull(mq, "*", offset, 32);
      if (result.pullStatus !== "FOUND") break;
      count += result.msgFoundList.length;
      offset = result.nextBeginOffset;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  return { count, seconds, rate: count / seconds, p50Ms: NaN, p99Ms: NaN };
}

async function pushDrain(env: Env, namesrvAddr: string, serializeType: ClientSerializeType, total: number, maxSeconds: number): Promise<Measured> {
  const consumer = new PushConsumer(env, {
    namesrvAddr, consumerGroup: "BenchPush", consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET", heartbeatFirstDelayMs: 100, serializeType,
  });
  consumer.subscribe("BenchBacklog", "*");
  let count = 0;
  let done: (() => void) | undefined;
  let started = 0;
  consumer.registerMessageListenerConcurrently(async (messages) => {
    if (started === 0) started = performance.now();
    count += messages.length;
    if (count >= total) done?.();
    return "CONSUME_SUCCESS";
  });
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.start();
  const timer = setTimeout(() => done?.(), maxSeconds * 1000 + 5000);
  await finished;
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  return { count, seconds, rate: count / seconds, p50Ms: NaN, p99Ms: NaN };
}
