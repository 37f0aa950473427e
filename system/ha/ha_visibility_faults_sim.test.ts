// Replication in the simulator, for issue 11: under SYNC_MASTER a message becomes visible to
// consumers only once the slave acknowledged it (readUnCommitted=false, the default), and the
// two deliberate HA faults change what they name: slaveCorruptsReplica makes the slave's log
// differ from the master's; syncMasterAcksEarly acks before the slave has the bytes.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { withWorldTrapped } from "../../chaos/sim/index.ts";
import { ResponseCode } from "../remoting/index.ts";
import { HAWorld } from "./testing/ha_world.ts";
import type { HAWorldOptions } from "./testing/ha_world.ts";

async function withHA(options: HAWorldOptions, body: (ha: HAWorld) => Promise<void>): Promise<void> {
  await withWorldTrapped(async () => {
    const ha = new HAWorld(options);
    await ha.start();
    await ha.run(3000);
    await body(ha);
  });
}

function slowReplication(ha: HAWorld): void {
  ha.world.net.addFlowFault({ from: "broker-a", to: "broker-a-s", delayMs: 40, jitterMs: 0, lossNumerator: 0, lossDenominator: 1 });
}

test("SYNC_MASTER: a message is invisible on the master until the slave acknowledged it; readUnCommitted=true shows it at once", async () => {
  for (const readUnCommitted of [false, true]) {
    await withHA({ seed: 11, masterRole: "SYNC_MASTER", master: { readUnCommitted } }, async (ha) => {
      slowReplication(ha);
      const store = ha.master().messageStore!;
      const sending = ha.send("v-1");
      await ha.run(20);
      assert.ok(store.getMaxPhyOffset() > 0, "appended on the master");
      assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), readUnCommitted ? 1 : 0);
      const response = await ha.settle(sending);
      assert.equal(response.code, ResponseCode.SUCCESS);
      assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1, "visible by the time the send is acked");
    });
  }
});

test("slaveCorruptsReplica: the slave's commit log stops being a byte-identical copy of the master's", async () => {
  for (const every of [0, 2]) {
    await withHA({ seed: 12, masterRole: "ASYNC_MASTER" }, async (ha) => {
      ha.slave().testFaults = every === 0 ? {} : { slaveCorruptsReplica: every };
      for (let index = 0; index < 10; index++) {
        await ha.settle(ha.send(`c-${index}`));
        await ha.run(50);
      }
      await ha.run(500);
      const master = ha.master().messageStore!;
      const slave = ha.slave().messageStore!;
      assert.equal(slave.getMaxPhyOffset(), master.getMaxPhyOffset(), "same length either way");
      const masterBytes = master.getCommitLogData(0, master.getMaxPhyOffset())!;
      const slaveBytes = slave.getCommitLogData(0, slave.getMaxPhyOffset())!;
      const differing = masterBytes.reduce((count, byte, index) => count + (byte === slaveBytes[index] ? 0 : 1), 0);
      if (every === 0) assert.equal(differing, 0);
      else assert.ok(differing >= 4, `every 2nd frame corrupted: ${differing} bytes differ`);
      // The slave still serves its consume queues (dispatch does not check CRCs).
      assert.equal(slave.getMaxOffsetInQueue("TopicTest", 0), 10);
    });
  }
});

test("syncMasterAcksEarly: SEND_OK comes back before the slave has the bytes", () => withHA({ seed: 13, masterRole: "SYNC_MASTER" }, async (ha) => {
  slowReplication(ha);
  ha.master().testFaults = { syncMasterAcksEarly: true };
  const response = await ha.settle(ha.send("early"));
  assert.equal(response.code, ResponseCode.SUCCESS);
  assert.ok(ha.slave().messageStore!.getMaxPhyOffset() < ha.master().messageStore!.getMaxPhyOffset(), "acked, not yet on the slave");
}));
