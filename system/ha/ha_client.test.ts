// HAClient against a scripted master in the simulator: the report on connect, appends only at
// its own max offset (an empty slave takes a segment start), a mismatch closes and reconnects,
// heartbeats, housekeeping on a silent master, and reconnecting while the master is away.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { createWorld, withWorldTrapped } from "../../chaos/sim/index.ts";
import type { Connection, Env } from "../env/env.ts";
import { DefaultMessageStore } from "../store/message_store.ts";
import { defaultStoreConfig } from "../store/store_config.ts";
import { makeMessage } from "../store/testing/messages.ts";
import { createTestEnv } from "../store/testing/test_env.ts";
import { HAClient } from "./ha_client.ts";
import { encodeTransferFrame, encodeTransferHeader, OffsetReportReader } from "./ha_frame.ts";
import { haStorePortOf } from "./ha_store_port.ts";

const SEGMENT_BYTES = 4096;

function storeConfig(role: "ASYNC_MASTER" | "SLAVE") {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: SEGMENT_BYTES, mappedFileSizeConsumeQueue: 200, maxMessageSize: 1024,
    maxHashSlotNum: 8, maxIndexNum: 64, brokerRole: role };
}

/** Real commit-log bytes from a master store (a test env, no network). */
async function masterLog(count: number): Promise<DefaultMessageStore> {
  const store = new DefaultMessageStore(createTestEnv(), storeConfig("ASYNC_MASTER"));
  assert.ok(store.load());
  store.start();
  for (let index = 0; index < count; index++) await store.putMessage(makeMessage({ queueId: index % 2, body: new Uint8Array(200).fill(index) }));
  return store;
}

interface ScriptedMaster {
  connections: Connection[];
  reports: number[][];
}

async function scenario(body: (parts: {
  run: (ms: number) => Promise<void>; master: ScriptedMaster; slave: DefaultMessageStore; client: HAClient;
}) => Promise<void>): Promise<void> {
  await withWorldTrapped(async () => {
    const world = createWorld({ seed: 11 });
    const master: ScriptedMaster = { connections: [], reports: [] };
    await world.settle(world.addNode({ name: "master", ip: "10.0.0.2" }).start(async (env: Env) => {
      const listener = await env.net.listen("0.0.0.0", 10912, (connection) => {
        const reader = new OffsetReportReader();
        const reports: number[] = [];
        master.connections.push(connection);
        master.reports.push(reports);
        connection.onData((chunk) => {
          const report = reader.push(chunk);
          if (report !== undefined) reports.push(report);
        });
        connection.onClose(() => {});
      });
      return { stop: () => listener.close() };
    }));
    const started = await world.settle(world.addNode({ name: "slave", ip: "10.0.0.3" }).start(async (env: Env) => {
      const store = new DefaultMessageStore(env, storeConfig("SLAVE"));
      assert.ok(store.load());
      store.start();
      const client = new HAClient(env, env.log, haStorePortOf(store), { haSendHeartbeatInterval: 1000, haHousekeepingInterval: 4000 });
      client.updateMasterAddress("10.0.0.2:10912");
      client.start();
      return { store, client, stop: async () => client.shutdown() };
    }));
    await body({ run: (ms) => world.runFor(ms), master, slave: started.store, client: started.client });
  });
}

test("HAClient reports on connect, appends frames at its max offset, reports after each append", () => scenario(async ({ run, master, slave, client }) => {
  await run(100);
  assert.equal(master.connections.length, 1);
  assert.deepEqual(master.reports[0], [0], "an empty slave reports 0 at once");
  const source = await masterLog(30); // > one segment: the slave takes the last segment onwards
  const lastSegment = source.getMaxPhyOffset() - (source.getMaxPhyOffset() % SEGMENT_BYTES);
  assert.ok(lastSegment > 0);
  let at = lastSegment;
  while (at < source.getMaxPhyOffset()) {
    const data = source.getCommitLogData(at, 700)!;
    master.connections[0]!.write(encodeTransferFrame(at, data));
    at += data.length;
  }
  await run(100);
  assert.equal(slave.getMaxPhyOffset(), source.getMaxPhyOffset());
  assert.equal(master.reports[0].at(-1), source.getMaxPhyOffset());
  assert.ok(slave.getMaxOffsetInQueue("TopicTest", 0) > 0, "dispatched into the slave's own consume queue");
  assert.equal(client.stats.offsetMismatches, 0);
  await run(2500);
  assert.ok(master.reports[0].length >= 3, "heartbeat reports every haSendHeartbeatInterval");
}));

test("HAClient closes on a frame that does not continue its log, then reconnects and reports again", () => scenario(async ({ run, master, slave, client }) => {
  await run(100);
  const source = await masterLog(3);
  const data = source.getCommitLogData(0, 10_000)!;
  master.connections[0]!.write(encodeTransferFrame(0, data));
  await run(100);
  assert.equal(slave.getMaxPhyOffset(), data.length);
  master.connections[0]!.write(encodeTransferHeader(data.length + 8, 0));
  await run(100);
  assert.equal(client.stats.offsetMismatches, 1);
  assert.equal(client.isConnected, false);
  await run(1500); // first retry after 1 s
  assert.equal(master.connections.length, 2);
  assert.deepEqual(master.reports[1], [data.length]);
}));

test("HAClient drops a silent master after haHousekeepingInterval and keeps retrying while it is away", () => scenario(async ({ run, master, client }) => {
  await run(100);
  assert.equal(client.isConnected, true);
  await run(4500); // the scripted master never writes
  assert.equal(client.isConnected, false);
  assert.ok(master.connections.length >= 1);
  await run(20_000);
  assert.ok(client.stats.connects >= 3, `reconnected with backoff (${client.stats.connects} connects)`);
}));
