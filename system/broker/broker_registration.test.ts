// The broker against a real NamesrvController in-process: registration at start, on topic
// creation, after a NameServer comes back, unregistration on shutdown; one NameServer down
// never blocks the other; startup errors are clear.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../env/real/index.ts";
import { defaultNamesrvConfig } from "../namesrv/namesrv_config.ts";
import { NamesrvController } from "../namesrv/namesrv_controller.ts";
import { decodeClusterInfo, decodeTopicRouteData } from "../protocol/index.ts";
import { createRequest, RemotingClient, RequestCode, ResponseCode } from "../remoting/index.ts";
import { BrokerController, BrokerStartError } from "./broker_controller.ts";
import { effectiveRegisterPeriodMs } from "./out/broker_registration.ts";
import { sendV2, startBroker, stopHarness } from "./testing/broker_harness.ts";
import { testBrokerConfig } from "./testing/broker_fixture.ts";

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function startNamesrv(env: ReturnType<typeof createRealEnv>, dir: string): Promise<NamesrvController> {
  const controller = new NamesrvController(env, { ...defaultNamesrvConfig(dir), listenPort: 0, listenHost: "127.0.0.1" });
  await controller.start();
  return controller;
}

test("register period: RocketMQ's 60 s cap, lab-fast periods kept", () => {
  assert.equal(effectiveRegisterPeriodMs(30_000), 30_000);
  assert.equal(effectiveRegisterPeriodMs(600_000), 60_000);
  assert.equal(effectiveRegisterPeriodMs(2_000), 2_000);
});

test("the NameServer sees the broker, its auto-created topic at once, and loses it on shutdown", async () => {
  const dir = tempDir("mqlab-reg-");
  const env = createRealEnv({ nodeName: "reg-test", logLevel: "silent" });
  const namesrv = await startNamesrv(env, dir);
  const client = new RemotingClient(env);
  const nsAddr = `127.0.0.1:${namesrv.listenPort}`;
  // The second NameServer address is closed: registration with the first must still work.
  const harness = await startBroker(env, join(dir, "store"), {}, { namesrvAddrs: [nsAddr, "127.0.0.1:1"] });
  try {
    const cluster = decodeClusterInfo((await client.invokeSync(nsAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000)).body);
    assert.equal(cluster.brokerAddrTable.get("broker-a")?.brokerAddrs.get(0), `127.0.0.1:${harness.broker.listenPort}`);
    assert.deepEqual(cluster.clusterAddrTable.get("DefaultCluster"), ["broker-a"]);
    const sent = await sendV2(harness, "FreshTopic", "x", { defaultQueueNums: 3 });
    assert.equal(sent.code, ResponseCode.SUCCESS);
    let routeCode = -1;
    for (let attempt = 0; attempt < 50 && routeCode !== ResponseCode.SUCCESS; attempt++) {
      const route = await client.invokeSync(nsAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "FreshTopic" }), 3000);
      routeCode = route.code;
      if (route.code === ResponseCode.SUCCESS) {
        const data = decodeTopicRouteData(route.body);
        assert.equal(data.queueDatas[0]?.writeQueueNums, 3);
        assert.equal(data.queueDatas[0]?.perm, 6);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    assert.equal(routeCode, ResponseCode.SUCCESS, "route registered right after auto-create");
  } finally {
    await stopHarness(harness);
  }
  const after = decodeClusterInfo((await client.invokeSync(nsAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000)).body);
  assert.equal(after.brokerAddrTable.size, 0, "unregistered on shutdown");
  client.shutdown();
  await namesrv.shutdown();
  env.close();
  rmSync(dir, { recursive: true, force: true });
});

test("periodic registration brings the broker back after the NameServer restarts", async () => {
  const dir = tempDir("mqlab-rereg-");
  const env = createRealEnv({ nodeName: "rereg-test", logLevel: "silent" });
  const first = await startNamesrv(env, dir);
  const port = first.listenPort;
  const harness = await startBroker(env, join(dir, "store"), { registerNameServerPeriod: 200 }, { namesrvAddrs: [`127.0.0.1:${port}`] });
  const client = new RemotingClient(env);
  try {
    await first.shutdown();
    const second = new NamesrvController(env, { ...defaultNamesrvConfig(dir), listenPort: port, listenHost: "127.0.0.1" });
    await second.start();
    let seen = false;
    for (let attempt = 0; attempt < 100 && !seen; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const cluster = decodeClusterInfo((await client.invokeSync(`127.0.0.1:${port}`, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000)).body);
      seen = cluster.brokerAddrTable.has("broker-a");
    }
    assert.ok(seen, "re-registered within a few periods");
    await stopHarness(harness);
    await second.shutdown();
  } finally {
    client.shutdown();
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("startup errors: port taken, store unusable", async () => {
  const dir = tempDir("mqlab-start-");
  const env = createRealEnv({ nodeName: "start-test", logLevel: "silent" });
  const harness = await startBroker(env, join(dir, "a"));
  try {
    const taken = new BrokerController(env, testBrokerConfig(join(dir, "b"), { listenPort: harness.broker.listenPort }), { namesrvAddrs: [] });
    await assert.rejects(taken.start(), (error: unknown) => error instanceof BrokerStartError && /port \d+ is already in use/.test(error.message));
    writeFileSync(join(dir, "not-a-dir"), "x");
    const unusable = new BrokerController(env, testBrokerConfig(join(dir, "not-a-dir")), { namesrvAddrs: [] });
    await assert.rejects(unusable.start(), (error: unknown) => error instanceof BrokerStartError && /not-a-dir/.test(error.message));
  } finally {
    await stopHarness(harness);
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("compressedRegister: the NameServer decodes the deflated body and routes the topics", async () => {
  const dir = tempDir("mqlab-compressed-");
  const env = createRealEnv({ nodeName: "compressed-test", logLevel: "silent" });
  const namesrv = await startNamesrv(env, dir);
  const client = new RemotingClient(env);
  const nsAddr = `127.0.0.1:${namesrv.listenPort}`;
  const harness = await startBroker(env, join(dir, "store"), { compressedRegister: true }, { namesrvAddrs: [nsAddr] });
  try {
    const route = await client.invokeSync(nsAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TBW102" }), 3000);
    assert.equal(route.code, ResponseCode.SUCCESS, route.remark);
    assert.equal(decodeTopicRouteData(route.body).queueDatas[0]?.writeQueueNums, 8);
  } finally {
    await stopHarness(harness);
    client.shutdown();
    await namesrv.shutdown();
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("shutdown waits at most 5 s for a registration round blocked on a silent NameServer, then unregisters one NameServer after another", { timeout: 40_000 }, async () => {
  // 4.9.x BrokerController.shutdown: scheduledExecutorService.awaitTermination(5000) before
  // unregisterBrokerAll, however long the round's registerBrokerTimeoutMills (8 s here); then
  // each NameServer in list order, 3 s at most each — the silent one is first in the list.
  const dir = tempDir("mqlab-unreg-wait-");
  const env = createRealEnv({ nodeName: "unreg-wait-test", logLevel: "silent" });
  const namesrv = await startNamesrv(env, dir);
  const nsAddr = `127.0.0.1:${namesrv.listenPort}`;
  // Accepts connections and never answers: every registration round waits its whole timeout.
  const silent = await env.net.listen("127.0.0.1", 0, () => {});
  const client = new RemotingClient(env);
  const brokersOf = async (): Promise<number> => decodeClusterInfo((await client.invokeSync(nsAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000)).body).brokerAddrTable.size;
  try {
    // start() waits for the first round (8 s); the next round starts 200 ms later and blocks too.
    const harness = await startBroker(env, join(dir, "store"), { registerBrokerTimeoutMills: 8_000, registerNameServerPeriod: 200 },
      { namesrvAddrs: [`127.0.0.1:${silent.port}`, nsAddr] });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await brokersOf(), 1, "registered with the NameServer that answers");
    const startedMs = performance.now();
    let droppedMs = Infinity;
    const watching = (async () => {
      while (droppedMs === Infinity && performance.now() - startedMs < 15_000) {
        if (await brokersOf() === 0) droppedMs = performance.now() - startedMs;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await stopHarness(harness);
    await watching;
    // 5 s for the blocked round (not the 7.5 s it had left), then 3 s on the silent NameServer.
    assert.ok(droppedMs >= 7_500 && droppedMs < 9_500, `the answering NameServer dropped the broker ${Math.round(droppedMs)} ms into its shutdown`);
  } finally {
    client.shutdown();
    await silent.close();
    await namesrv.shutdown();
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
