// ali-ons (the pure-JS RocketMQ client, version 121) reads routes from our NameServer: bare
// numeric brokerAddrs keys parsed by its JSON2, TOPIC_NOT_EXIST surfaced as code 17.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRealEnv } from "../env/real/index.ts";
import { RemotingClient } from "../remoting/remoting_client.ts";
import { createRequest } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { encodeRegisterBrokerBody } from "../protocol/register_broker_body.ts";
import { newTopicConfig } from "../protocol/topic_config.ts";
import { defaultNamesrvConfig } from "./namesrv_config.ts";
import { NamesrvController } from "./namesrv_controller.ts";

interface AliRoute {
  queueDatas: { brokerName: string; readQueueNums: number; perm: number }[];
  brokerDatas: { brokerName: string; brokerAddrs: Record<string, string> }[];
}
interface AliClientApi {
  ready(): Promise<void>;
  close(): Promise<void>;
  getDefaultTopicRouteInfoFromNameServer(topic: string, timeoutMs: number): Promise<AliRoute>;
}
const require = createRequire(import.meta.url);
const MQClientAPI = require("ali-ons/lib/mq_client_api.js") as new (options: object) => AliClientApi;
const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

test("ali-ons fetches a route from the namesrv", { timeout: 30_000 }, async () => {
  const env = createRealEnv({ nodeName: "namesrv-ali", logLevel: "silent" });
  const dir = mkdtempSync(join(tmpdir(), "mqlab-ali-"));
  const controller = new NamesrvController(env, { ...defaultNamesrvConfig(dir), listenHost: "127.0.0.1", listenPort: 0 });
  await controller.start();
  const client = new RemotingClient(env);
  const api = new MQClientAPI({ nameSrv: controller.listenAddress, httpclient: {}, logger: silentLogger });
  try {
    const body = encodeRegisterBrokerBody({
      topicConfigSerializeWrapper: {
        topicConfigTable: new Map([["TopicTest", newTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4 })]]),
        dataVersion: { timestamp: 1, counter: 1 },
      },
      filterServerList: [],
    });
    const header = { brokerName: "broker-a", brokerAddr: "127.0.0.1:10911", clusterName: "DefaultCluster", haServerAddr: "127.0.0.1:10912", brokerId: "0" };
    assert.equal((await client.invokeSync(controller.listenAddress, createRequest(RequestCode.REGISTER_BROKER, header, body), 3000)).code, 0);
    await api.ready();
    const route = await api.getDefaultTopicRouteInfoFromNameServer("TopicTest", 3000);
    assert.deepStrictEqual(route.brokerDatas[0]!.brokerAddrs, { "0": "127.0.0.1:10911" });
    assert.equal(route.queueDatas[0]!.readQueueNums, 4);
    await assert.rejects(api.getDefaultTopicRouteInfoFromNameServer("Missing", 3000), (error: unknown) => {
      assert.equal((error as { code?: number }).code, 17);
      return true;
    });
  } finally {
    await api.close();
    client.shutdown();
    await controller.shutdown();
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
