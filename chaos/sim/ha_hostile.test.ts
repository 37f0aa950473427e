// Master/slave replication (real BrokerControllers) over the hostile simulated network: the HA
// stream (transfer frames master -> slave, offset reports slave -> master) split at random
// bytes, coalesced and leaving in pieces, and HA connections reset mid-frame. A SYNC_MASTER
// still acks only what the slave holds, and the slave ends byte-identical to the master.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseCode } from "../../system/remoting/index.ts";
import { HAWorld } from "../../system/ha/testing/ha_world.ts";
import { withWorldTrapped } from "./index.ts";

const haPort = 10912;

test("SYNC_MASTER replication survives hostile segmentation and mid-frame HA resets", async () => {
  const hashes: string[] = [];
  for (let run = 0; run < 2; run++) {
    await withWorldTrapped(async () => {
      const ha = new HAWorld({ seed: 41, masterRole: "SYNC_MASTER" });
      ha.world.net.setSegmentation({ maxSegmentBytes: 300, splitPercent: 60, coalescePercent: 50, pieceGapMaxMs: 0.2 });
      await ha.start();
      await ha.run(3000);
      const codes: number[] = [];
      for (let index = 0; index < 60; index++) {
        if (index % 15 === 7) {
          // Reset the replication connection, cutting whatever HA frame is in flight (or the next).
          const handle = ha.world.net.resetConnections({ from: "broker-a-s", to: "broker-a", port: haPort, midFrame: true, asymmetricDelayMs: index % 2 === 0 ? 0 : 300 });
          assert.equal(handle.reset + handle.armed, 1, "one HA connection to reset");
        }
        codes.push((await ha.settle(ha.send(`m-${index}-${"x".repeat(index * 7)}`, { queueId: index % 4 }))).code);
      }
      await ha.run(10_000);
      assert.equal(ha.world.net.stats().connectionsReset, 4, "each of the four resets cut an HA connection");
      const master = ha.master().messageStore!;
      const slave = ha.slave().messageStore!;
      assert.ok(codes.every((code) => code === ResponseCode.SUCCESS || code === ResponseCode.FLUSH_SLAVE_TIMEOUT || code === ResponseCode.SLAVE_NOT_AVAILABLE), `codes ${codes.join(",")}`);
      assert.ok(codes.filter((code) => code === ResponseCode.SUCCESS).length >= 40, `most sends fully acked: ${codes.join(",")}`);
      assert.equal(slave.getMaxPhyOffset(), master.getMaxPhyOffset(), "the slave caught up after the resets");
      const size = master.getMaxPhyOffset();
      assert.deepEqual(ha.slaveNode!.disk.list("/store/commitlog"), ha.masterNode.disk.list("/store/commitlog"));
      assert.ok(size > 0);
      hashes.push(ha.world.traceHash());
    });
  }
  assert.equal(hashes[0], hashes[1], "replays");
});
