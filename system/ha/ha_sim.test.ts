// Replication with real BrokerControllers (master broker-a, slave broker-a-s, a NameServer) in
// the deterministic simulator: catch-up, SYNC_MASTER ack semantics, slave timeouts, slave
// reads while the master is down, restart and the RocketMQ 4.9.7 divergence behaviour.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { withWorldTrapped } from "../../chaos/sim/index.ts";
import { decodeMessageRecords } from "../message/index.ts";
import { createRequest, fromUtf8, RequestCode, ResponseCode, utf8 } from "../remoting/index.ts";
import { HAWorld, MASTER_ADDR, SLAVE_ADDR } from "./testing/ha_world.ts";
import type { HAWorldOptions } from "./testing/ha_world.ts";

async function withHA(options: HAWorldOptions, body: (ha: HAWorld) => Promise<void>): Promise<void> {
  await withWorldTrapped(async () => {
    const ha = new HAWorld(options);
    await ha.start();
    await ha.run(3000);
    await body(ha);
  });
}

function masterMax(ha: HAWorld): number {
  return ha.master().messageStore!.getMaxPhyOffset();
}

function slaveMax(ha: HAWorld): number {
  return ha.slave().messageStore!.getMaxPhyOffset();
}

async function sendMany(ha: HAWorld, count: number, prefix: string): Promise<number[]> {
  const codes: number[] = [];
  for (let index = 0; index < count; index++) codes.push((await ha.settle(ha.send(`${prefix}-${index}`, { queueId: index % 4 }))).code);
  return codes;
}

test("a slave catches up with the master and builds its own consume queues", () => withHA({ seed: 1, masterRole: "ASYNC_MASTER" }, async (ha) => {
  assert.equal(ha.slave().ha?.client?.master, `${MASTER_ADDR.replace(":10911", ":10912")}`, "HA address from the REGISTER_BROKER reply");
  assert.deepEqual(new Set(await sendMany(ha, 40, "m")), new Set([ResponseCode.SUCCESS]));
  await ha.run(500);
  assert.ok(masterMax(ha) > 0);
  assert.equal(slaveMax(ha), masterMax(ha));
  for (let queueId = 0; queueId < 4; queueId++) assert.equal(ha.slave().messageStore!.getMaxOffsetInQueue("TopicTest", queueId), 10);
  assert.equal(ha.master().ha!.service!.connectionCount, 1);
  assert.equal(ha.master().ha!.service!.push2SlaveMaxOffset, masterMax(ha));
}));

test("SYNC_MASTER answers SEND_OK only once the slave has the bytes; ASYNC_MASTER does not wait", async () => {
  for (const masterRole of ["SYNC_MASTER", "ASYNC_MASTER"] as const) {
    await withHA({ seed: 2, masterRole }, async (ha) => {
      // 40 ms more on the master → slave flow (the HA port) makes the difference visible.
      ha.world.net.addFlowFault({ from: "broker-a", to: "broker-a-s", delayMs: 40, jitterMs: 0, lossNumerator: 0, lossDenominator: 1 });
      for (let index = 0; index < 5; index++) {
        const startedMs = ha.world.elapsedMs;
        const response = await ha.settle(ha.send(`s-${index}`));
        assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
        const tookMs = ha.world.elapsedMs - startedMs;
        if (masterRole === "SYNC_MASTER") {
          assert.equal(slaveMax(ha), masterMax(ha), "the slave had every byte when the ack came");
          assert.ok(tookMs >= 80, `a SYNC_MASTER ack waits for the slave's round trip (took ${tookMs} ms)`);
        } else {
          assert.ok(slaveMax(ha) < masterMax(ha), "an ASYNC_MASTER acks before the slave has it");
          assert.ok(tookMs < 40, `an ASYNC_MASTER acks after its own write (took ${tookMs} ms)`);
        }
        await ha.run(200);
      }
    });
  }
});

test("SYNC_MASTER: a partitioned slave gives FLUSH_SLAVE_TIMEOUT, a dropped one SLAVE_NOT_AVAILABLE; WAIT=false does not wait", () =>
  withHA({ seed: 3, masterRole: "SYNC_MASTER", master: { slaveTimeout: 3000 } }, async (ha) => {
    assert.equal((await ha.settle(ha.send("before"))).code, ResponseCode.SUCCESS);
    ha.world.net.partition([["broker-a"], ["broker-a-s"]]);
    const startedMs = ha.world.elapsedMs;
    const timedOut = await ha.settle(ha.send("during"));
    assert.equal(timedOut.code, ResponseCode.FLUSH_SLAVE_TIMEOUT);
    assert.ok(ha.world.elapsedMs - startedMs >= 3000, "waited slaveTimeout");
    const noWait = await ha.settle(ha.send("no-wait", { wait: false }));
    assert.equal(noWait.code, ResponseCode.SUCCESS, "WAIT=false acks after the local write");
    await ha.run(5000); // > haHousekeepingInterval: the master drops the silent connection
    assert.equal(ha.master().ha!.service!.connectionCount, 0);
    assert.equal((await ha.settle(ha.send("dropped"))).code, ResponseCode.SLAVE_NOT_AVAILABLE);
    ha.world.net.heal();
    await ha.run(8000); // the slave reconnects (backoff ≤ 5 s) and catches up
    assert.equal((await ha.settle(ha.send("after"))).code, ResponseCode.SUCCESS);
    assert.equal(slaveMax(ha), masterMax(ha));
  }));

test("SYNC_MASTER without a slave answers SLAVE_NOT_AVAILABLE; the message is stored", () =>
  withHA({ seed: 4, masterRole: "SYNC_MASTER", withSlave: false }, async (ha) => {
    const response = await ha.settle(ha.send("alone"));
    assert.equal(response.code, ResponseCode.SLAVE_NOT_AVAILABLE);
    assert.equal(ha.master().messageStore!.getMaxOffsetInQueue("TopicTest", 0), 1);
  }));

test("the slave serves pulls while the master is down, suggesting the master", () => withHA({ seed: 5, masterRole: "SYNC_MASTER" }, async (ha) => {
  await sendMany(ha, 8, "p");
  await ha.run(3000); // slave sync has fetched the topic config
  ha.masterNode.crash({ mode: "process" });
  await ha.run(1000);
  const pulled = await ha.settle(ha.pull(SLAVE_ADDR, 0));
  assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
  assert.equal(pulled.extFields["suggestWhichBrokerId"], "0", "slaveReadEnable=false: go back to the master when you can");
  const bodies = decodeMessageRecords(pulled.body!).map((record) => fromUtf8(record.body));
  assert.deepEqual(bodies, ["p-0", "p-4"]);
  assert.equal(pulled.extFields["nextBeginOffset"], "2");
  assert.equal((await ha.settle(ha.send("to-slave", { addr: SLAVE_ADDR }))).code, ResponseCode.SERVICE_NOT_AVAILABLE);
}));

test("after a master restart, replication resumes from the slave's offset", () => withHA({ seed: 6, masterRole: "SYNC_MASTER" }, async (ha) => {
  await sendMany(ha, 12, "before");
  const offsetAtCrash = masterMax(ha);
  ha.masterNode.crash({ mode: "process" });
  await ha.run(10_000);
  assert.equal(slaveMax(ha), offsetAtCrash);
  await ha.restartMaster();
  await ha.run(8_000);
  assert.equal(ha.master().ha!.service!.connectionCount, 1, "the slave reconnected");
  assert.deepEqual(new Set(await sendMany(ha, 12, "after")), new Set([ResponseCode.SUCCESS]));
  assert.equal(slaveMax(ha), masterMax(ha));
  assert.equal(ha.master().ha!.service!.divergences, 0);
  assert.ok(ha.master().ha!.service!.slaves().every((slave) => slave.nextTransferFromWhere === masterMax(ha)));
  for (let queueId = 0; queueId < 4; queueId++) assert.equal(ha.slave().messageStore!.getMaxOffsetInQueue("TopicTest", queueId), 6);
}));

// RocketMQ 4.9.7 does not repair a slave that is ahead of its master (see ha_connection.ts):
// after the master loses unflushed bytes in a power loss, the slave keeps them, the master
// starts transfer at the slave's offset once its own log passes it, and the slave's log is
// broken at that seam (its dispatch stops there). A SYNC_MASTER even acknowledges writes below
// the slave's offset at once, because the slave's first report counts as an ack.
test("power loss of the master: the slave is ahead; replication resumes at the slave's offset, as RocketMQ 4.9.7", async () => {
  for (const masterRole of ["ASYNC_MASTER", "SYNC_MASTER"] as const) {
    await withHA({ seed: 7, masterRole }, async (ha) => {
      for (let index = 0; index < 20; index++) await ha.settle(ha.send("x".repeat(100), { queueId: 0 }));
      await ha.run(200);
      const slaveOffset = slaveMax(ha);
      assert.equal(slaveOffset, masterMax(ha));
      ha.masterNode.crash({ mode: "power" }); // ASYNC_FLUSH: nothing was fsynced yet
      await ha.run(5_000);
      await ha.restartMaster();
      const restartedMax = masterMax(ha);
      assert.ok(restartedMax < slaveOffset, `the master lost its unflushed tail (${restartedMax} < ${slaveOffset})`);
      await ha.run(8_000);
      assert.equal(ha.master().ha!.service!.divergences >= 1, true, "the slave's first report above our max was detected");
      assert.equal(slaveMax(ha), slaveOffset, "nothing is sent below the slave's offset");
      const queuedOnSlave = ha.slave().messageStore!.getMaxOffsetInQueue("TopicTest", 0);
      const codes: number[] = [];
      while (masterMax(ha) <= slaveOffset + 1000) {
        codes.push(await ha.settle(ha.send("y".repeat(37), { queueId: 1 }).then((response) => response.code, () => -1)));
        await ha.run(100);
      }
      if (masterRole === "SYNC_MASTER") {
        // Acked although the slave never got these bytes: its first report counted as an ack.
        assert.ok(codes.includes(ResponseCode.SUCCESS));
      }
      await ha.run(3_000);
      assert.equal(slaveMax(ha), masterMax(ha), "transfer resumed at the slave's offset and followed the master");
      assert.equal(ha.slave().messageStore!.getMaxOffsetInQueue("TopicTest", 0), queuedOnSlave, "the slave kept the messages the master lost");
      assert.equal(ha.slave().messageStore!.getMaxOffsetInQueue("TopicTest", 1), 0, "the slave cannot dispatch past the seam");
      assert.ok(ha.master().messageStore!.getMaxOffsetInQueue("TopicTest", 1) > 0);
    });
  }
});

test("SlaveSynchronize: topics, groups, delay offsets and consumer offsets (putAll per topic@group) reach the slave", () =>
  withHA({ seed: 8, masterRole: "ASYNC_MASTER" }, async (ha) => {
    const commit = (addr: string, group: string, queueId: number, offset: number) => ha.settle(ha.client.invokeSync(addr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group, topic: "TopicTest", queueId: String(queueId), commitOffset: String(offset),
    }), 5000));
    await sendMany(ha, 4, "t");
    assert.equal((await ha.settle(ha.send("later", { properties: { DELAY: "1" } }))).code, ResponseCode.SUCCESS);
    const group = { groupName: "GroupSynced", consumeEnable: true, retryMaxTimes: 7 };
    assert.equal((await ha.settle(ha.client.invokeSync(MASTER_ADDR, createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, utf8(JSON.stringify(group))), 5000))).code, ResponseCode.SUCCESS);
    assert.equal((await commit(MASTER_ADDR, "GroupA", 0, 3)).code, ResponseCode.SUCCESS);
    // Committed to the slave (as clients do while the master is away): one key the master also has, one it lacks.
    await commit(SLAVE_ADDR, "GroupA", 1, 9);
    await commit(SLAVE_ADDR, "GroupOnlyOnSlave", 0, 5);
    await ha.run(2500); // slaveSyncIntervalMs = 1 s
    const slave = ha.slave();
    assert.ok(slave.topicConfigManager.selectTopicConfig("TopicTest") !== undefined);
    assert.equal(slave.subscriptionGroupManager.findSubscriptionGroupConfig("GroupSynced")?.retryMaxTimes, 7);
    assert.equal(slave.consumerOffsetManager.queryOffset("GroupA", "TopicTest", 0), 3);
    assert.equal(slave.consumerOffsetManager.queryOffset("GroupA", "TopicTest", 1), -1, "the master's entry for TopicTest@GroupA replaced the slave's");
    assert.equal(slave.consumerOffsetManager.queryOffset("GroupOnlyOnSlave", "TopicTest", 0), 5, "keys the master lacks stay");
    assert.equal(slave.ha!.slaveSynchronize!.master, MASTER_ADDR);
    assert.equal(ha.master().messageStore!.scheduleService.offsetTable.get(1), 1, "the delayed message was delivered on the master");
    assert.equal(slave.messageStore!.scheduleService.offsetTable.get(1), 1, "delay offsets synced");
    ha.masterNode.crash({ mode: "process" });
    await ha.run(5000); // the slave's next registration learns the master is gone
    assert.equal(slave.ha!.slaveSynchronize!.master, undefined);
    await commit(SLAVE_ADDR, "GroupA", 0, 11);
    await ha.run(3000);
    assert.equal(slave.consumerOffsetManager.queryOffset("GroupA", "TopicTest", 0), 11, "kept while the master is away");
  }));

test("slaveSkipsOffsetSync (test fault): the slave syncs topics but never the master's consumer offsets", () =>
  withHA({ seed: 8, masterRole: "ASYNC_MASTER" }, async (ha) => {
    ha.slave().testFaults = { slaveSkipsOffsetSync: true };
    await sendMany(ha, 2, "t");
    const commit = ha.client.invokeSync(MASTER_ADDR, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "GroupA", topic: "TopicTest", queueId: "0", commitOffset: "2",
    }), 5000);
    assert.equal((await ha.settle(commit)).code, ResponseCode.SUCCESS);
    await ha.run(2500); // slaveSyncIntervalMs = 1 s: two rounds
    const slave = ha.slave();
    assert.ok(slave.topicConfigManager.selectTopicConfig("TopicTest") !== undefined, "the other steps still run");
    assert.equal(slave.consumerOffsetManager.queryOffset("GroupA", "TopicTest", 0), -1);
    slave.testFaults = {};
    await ha.run(1500);
    assert.equal(slave.consumerOffsetManager.queryOffset("GroupA", "TopicTest", 0), 2, "healthy again: the next round applies them");
  }));

test("slaveReadEnable: the master suggests the slave (whichBrokerWhenConsumeSlowly) for a pull far behind, the slave keeps a caught-up reader", () =>
  withHA({
    seed: 9, masterRole: "ASYNC_MASTER",
    master: { slaveReadEnable: true, totalPhysicalMemoryBytes: 4000 },
    slave: { slaveReadEnable: true, totalPhysicalMemoryBytes: 4000 },
  }, async (ha) => {
    for (let index = 0; index < 40; index++) await ha.settle(ha.send("z".repeat(200), { queueId: 0 }));
    await ha.run(2500);
    // 40 % of 4000 bytes: more than 1600 bytes behind the commit-log end counts as "on disk".
    const behind = await ha.settle(ha.pull(MASTER_ADDR, 0));
    assert.equal(behind.code, ResponseCode.SUCCESS);
    assert.equal(behind.extFields["suggestWhichBrokerId"], "1", "far behind: read from the slave");
    const recent = await ha.settle(ha.pull(MASTER_ADDR, 39));
    assert.equal(recent.extFields["suggestWhichBrokerId"], "0", "caught up: the group's broker (the master)");
    const fromSlave = await ha.settle(ha.pull(SLAVE_ADDR, 0));
    assert.equal(fromSlave.code, ResponseCode.SUCCESS);
    assert.equal(fromSlave.extFields["suggestWhichBrokerId"], "1", "still behind on the slave: stay there");
    assert.equal((await ha.settle(ha.pull(SLAVE_ADDR, 39))).extFields["suggestWhichBrokerId"], "0", "caught up: back to the master");
  }));
