import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decodeMessageRecord } from "../message/index.ts";
import { createRealEnv } from "../env/real/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";

test("real Env: SYNC_FLUSH puts, reads, a crash (no shutdown) and recovery on real files", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-store-"));
  const env = createRealEnv({ nodeName: "store-test", logLevel: "silent" });
  try {
    const config = { ...defaultStoreConfig(dir), flushDiskType: "SYNC_FLUSH" as const, mappedFileSizeCommitLog: 64 * 1024,
      mappedFileSizeConsumeQueue: 20 * 100, maxMessageSize: 16 * 1024, maxHashSlotNum: 64, maxIndexNum: 256 };
    const store = new DefaultMessageStore(env, config);
    assert.ok(store.load());
    store.start();
    const results = await Promise.all(Array.from({ length: 200 }, (_, index) =>
      store.putMessage(makeMessage({ queueId: index % 4, body: `body-${index}`, keys: `k${index}` }))));
    assert.ok(results.every((result) => result.status === "PUT_OK"));
    // Crash: drop the store without shutdown; the abort file stays.
    store.halt();
    const recovered = new DefaultMessageStore(env, config);
    assert.ok(recovered.load());
    recovered.start();
    assert.equal(recovered.recoveryReport?.lastExitOK, false);
    let count = 0;
    for (let queueId = 0; queueId < 4; queueId++) {
      for (let offset = 0; offset < recovered.getMaxOffsetInQueue("TopicTest", queueId);) {
        const got = recovered.getMessage("g", "TopicTest", queueId, offset, 64);
        assert.equal(got.status, "FOUND");
        count += got.messages.length;
        for (const record of got.messages) assert.equal(decodeMessageRecord(record, 0, { checkCRC: true }).queueId, queueId);
        offset = got.nextBeginOffset;
      }
    }
    assert.equal(count, 200);
    assert.equal(recovered.queryMessage("TopicTest", "k77", 4, 0, Date.now() + 1000).messages.length, 1);
    await recovered.shutdown();
  } finally {
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
