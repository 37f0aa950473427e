// The index across crashes in the simulator, whose disk is harsher than the store's test disk:
// a power loss keeps a PRNG-chosen in-order prefix of each file's unsynced writes and tears
// the first dropped one (chaos/sim/disk.ts). A broker-like store takes keyed puts every few ms
// (ASYNC_FLUSH, checkpoints every 700 ms, small index files that seal often); the node is
// crashed (process or power) at a drawn time and restarted from its disk. Every acked message
// the commit log kept must be found by each of its keys, exactly: none missing, none twice.

import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { createWorld, withWorldTrapped } from "../../chaos/sim/index.ts";
import type { Env } from "../env/env.ts";
import { decodeMessageRecord } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";

const storeConfig: StoreConfig = {
  ...defaultStoreConfig("/store"), flushDiskType: "ASYNC_FLUSH", mappedFileSizeCommitLog: 64 * 1024,
  mappedFileSizeConsumeQueue: 20 * 500, maxMessageSize: 1024, maxHashSlotNum: 40, maxIndexNum: 300,
  flushConsumeQueueThoroughInterval: 700,
};

interface Acked {
  offset: number;
  keys: string[];
}

/** Runs the store on one sim node, crashes it at crashAtMs, restarts it and returns both halves. */
async function crashAndRecover(seed: number, crashAtMs: number, mode: "process" | "power"): Promise<{
  acked: Acked[]; recovered: DefaultMessageStore;
}> {
  const acked: Acked[] = [];
  let recovered: DefaultMessageStore | undefined;
  await withWorldTrapped(async () => {
    // Slow fsyncs widen the windows between a persist and its durability (where crashes bite).
    const world = createWorld({ seed, disk: { fsyncLatencyMs: 40, fsyncJitterMs: 40 } });
    const node = world.addNode({ name: "broker", ip: "10.0.0.2" });
    let incarnation = 0;
    await world.settle(node.start(async (env: Env) => {
      const store = new DefaultMessageStore(env, storeConfig);
      assert.ok(store.load());
      store.start();
      if (++incarnation > 1) {
        recovered = store;
        return { stop: () => store.shutdown() };
      }
      let next = 0;
      const producer = env.timers.setInterval(() => {
        for (let burst = 0; burst < 4; burst++) {
          const index = next++;
          const keys = [`U${index}`, `key${index % 7}`];
          void store.putMessage(makeMessage({ body: `m${index}`, uniqKey: keys[0], keys: keys[1] })).then((result) => {
            if (result.status === "PUT_OK") acked.push({ offset: result.appendResult!.wroteOffset, keys });
          });
        }
      }, 7);
      return { stop: async () => { env.timers.clear(producer); await store.shutdown(); } };
    }));
    await world.runFor(crashAtMs);
    node.crash({ mode });
    await world.settle(node.restart());
    await world.runFor(50);
  });
  assert.ok(recovered !== undefined);
  return { acked, recovered };
}

test("sim: after a process crash or a power loss, every kept acked message is found by its keys (property)", async () => {
  await fc.assert(fc.asyncProperty(
    fc.nat(1_000_000), fc.integer({ min: 100, max: 3000 }), fc.constantFrom("process" as const, "power" as const),
    async (seed, crashAtMs, mode) => {
      // Arrange + Act
      const { acked, recovered } = await crashAndRecover(seed, crashAtMs, mode);
      assert.ok(acked.length > 0);
      // Assert
      const expected = new Map<string, number[]>();
      for (const message of acked) {
        if (recovered.selectOneMessageByOffset(message.offset) === undefined) {
          assert.equal(mode, "power", "a process crash keeps every acked message");
          continue;
        }
        for (const key of message.keys) expected.set(key, [message.offset, ...(expected.get(key) ?? [])]);
      }
      if (mode === "process") assert.ok(expected.size > 0);
      for (const [key, offsets] of expected) {
        const found = recovered.queryMessage("TopicTest", key, 32, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(found.messages.map((record) => decodeMessageRecord(record).commitLogOffset), offsets.slice(0, 32), key);
      }
    }), { numRuns: 10 });
});
