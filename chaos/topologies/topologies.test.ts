import { test } from "node:test";
import assert from "node:assert/strict";
import { listTopologies, loadTopology } from "./index.ts";
import { topologyNames } from "../scenario.ts";
import { parseBrokerConfig } from "../../system/config/index.ts";

const context = { homeDir: "/tmp/h", hostName: "h", localIp: "127.0.0.1", totalPhysicalMemoryBytes: 2 ** 33 };

test("the four topologies exist and parse as broker.conf without warnings", () => {
  assert.deepEqual(listTopologies(), ["1m", "2m-2s-async", "2m-2s-sync", "2m-noslave"]);
  for (const name of listTopologies()) {
    const topology = loadTopology(name);
    assert.equal(topology.name, name);
    assert.equal(topology.nameServers, name === "1m" ? 1 : 2);
    for (const broker of topology.brokers) {
      const { config, warnings } = parseBrokerConfig(broker.text, broker.file, context);
      assert.deepEqual(warnings, [], broker.path);
      const isSlave = broker.file.endsWith("-s.properties");
      assert.equal(config.brokerRole === "SLAVE", isSlave, broker.path);
      if (name === "2m-2s-sync" && !isSlave) assert.equal(config.brokerRole, "SYNC_MASTER");
      if (name === "2m-2s-async" && !isSlave) assert.equal(config.brokerRole, "ASYNC_MASTER");
    }
  }
  assert.throws(() => loadTopology("3m"), /unknown topology "3m"/);
});

test("the topology folders are exactly the names scenarios may use (chaos/scenario.ts topologyNames)", () => {
  assert.deepEqual(listTopologies(), [...topologyNames].sort());
});
