// namesrvKeepsClosedBroker: with the switch on, a closed broker channel leaves the broker in the
// routes (only the liveness scan would remove it); off, it is removed at once.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRealEnv } from "../env/real/index.ts";
import { RemotingClient } from "../remoting/remoting_client.ts";
import { createRequest } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import { encodeRegisterBrokerBody } from "../protocol/register_broker_body.ts";
import { newTopicConfig } from "../protocol/topic_config.ts";
import { defaultNamesrvConfig } from "./namesrv_config.ts";
import { NamesrvController } from "./namesrv_controller.ts";
import type { NamesrvTestFaults } from "./test_faults.ts";

async function routeAfterClose(testFaults: NamesrvTestFaults): Promise<number> {
  const env = createRealEnv({ nodeName: "namesrv-faults-test", logLevel: "silent" });
  const dir = mkdtempSync(join(tmpdir(), "mqlab-namesrv-faults-"));
  const controller = new NamesrvController(env, { ...defaultNamesrvConfig(dir), listenHost: "127.0.0.1", listenPort: 0 }, { testFaults });
  const broker = new RemotingClient(env);
  const reader = new RemotingClient(env);
  try {
    await controller.start();
    const addr = controller.listenAddress;
    const body = encodeRegisterBrokerBody({
      topicConfigSerializeWrapper: { topicConfigTable: new Map([["TopicTest", newTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4 })]]), dataVersion: { timestamp: 1, counter: 1 } },
      filterServerList: [],
    }, false);
    const header = { brokerName: "broker-a", brokerAddr: "127.0.0.1:10911", clusterName: "DefaultCluster", haServerAddr: "127.0.0.1:10912", brokerId: "0" };
    assert.equal((await broker.invokeSync(addr, createRequest(RequestCode.REGISTER_BROKER, header, body), 3000)).code, ResponseCode.SUCCESS);
    broker.closeChannel(addr);
    await new Promise((resolve) => setTimeout(resolve, 150));
    return (await reader.invokeSync(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" }), 3000)).code;
  } finally {
    broker.shutdown();
    reader.shutdown();
    await controller.shutdown();
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("namesrvKeepsClosedBroker: the routes still name a broker whose channel closed; healthy, it is gone at once", async () => {
  assert.equal(await routeAfterClose({}), ResponseCode.TOPIC_NOT_EXIST, "healthy: removed on channel close");
  assert.equal(await routeAfterClose({ namesrvKeepsClosedBroker: true }), ResponseCode.SUCCESS, "broken: still routed");
});
