// IndexFile with its slots in memory, against a plain model (key → offsets, newest first):
// random batches of keyed records with few hash slots (long chains) and small files (seals),
// checkpoints (persist + fsync, the mark sampled as LogicsFlusher does), and crashes (process:
// the page cache survives; power: only what was fsynced) followed by IndexService.load and a
// re-dispatch from exactly min(redispatchFrom, mark). Every query must equal the model.

import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import type { DiskFile } from "../env/env.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import { IndexFile } from "./index_file.ts";
import { IndexService } from "./index_service.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { CountingDisk } from "./testing/counting_disk.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { createTestEnv } from "./testing/test_env.ts";

const RECORD_BYTES = 100;
const START_MS = 1_704_110_400_000;

function config(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { ...defaultStoreConfig("/store"), maxHashSlotNum: 3, maxIndexNum: 9, ...overrides };
}

function record(number: number, keys: string[]): DispatchRequest {
  return {
    topic: "T", queueId: 0, commitLogOffset: number * RECORD_BYTES, msgSize: RECORD_BYTES, tagsCode: 0,
    storeTimestamp: START_MS + number * 1000, consumeQueueOffset: number, keys, sysFlag: 0, preparedTransactionOffset: 0,
  };
}

type Op =
  | { kind: "batch"; keys: string[][] }
  | { kind: "checkpoint" }
  | { kind: "crash"; power: boolean; keep: number; tear: number };

const keyArb = fc.constantFrom("a", "b", "c", "d", "e", "f", "g");
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("batch" as const), keys: fc.array(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("checkpoint" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crash" as const), power: fc.boolean(), keep: fc.nat(12), tear: fc.nat(40) }) },
);

/**
 * A MemoryDisk whose writes at positions `lose` picks vanish (a crash between two pwrites), and
 * whose power loss can keep, like the simulator's disk, an in-order prefix of each file's
 * unsynced writes with the first dropped one torn (a byte prefix of it survives).
 */
class LosingDisk extends MemoryDisk {
  lose: (position: number) => boolean = () => false;
  private readonly unsynced = new Map<string, { position: number; data: Uint8Array }[]>();

  override open(path: string, options?: { create?: boolean }): DiskFile {
    const file = super.open(path, options);
    const write = file.write.bind(file);
    const fsync = file.fsync.bind(file);
    file.write = (position, data) => {
      if (this.lose(position)) return;
      write(position, data);
      this.unsynced.set(path, [...(this.unsynced.get(path) ?? []), { position, data: data.slice() }]);
    };
    file.fsync = async () => {
      // MemoryDisk makes the bytes durable inside the call (no onFsync here): so does the log.
      const covered = this.unsynced.get(path)?.length ?? 0;
      const done = fsync();
      this.unsynced.set(path, (this.unsynced.get(path) ?? []).slice(covered));
      await done;
    };
    return file;
  }

  /** Power loss keeping `keep(count)` unsynced writes of each file and `tear` bytes of the next. */
  powerLossWithPrefix(keep: (count: number) => number, tear: number): void {
    this.powerLoss();
    for (const [path, ops] of this.unsynced) {
      const state = this.files.get(path);
      if (state === undefined) continue;
      const kept = Math.min(ops.length, keep(ops.length));
      const file = super.open(path);
      for (const op of ops.slice(0, kept)) file.write(op.position, op.data);
      const torn = ops[kept];
      if (torn !== undefined) file.write(torn.position, torn.data.subarray(0, Math.min(tear, torn.data.length)));
    }
    this.unsynced.clear();
  }
}

/** MQLAB_FC_SEED replays a fast-check seed; otherwise each run draws its own. */
function replaySeed(): number | undefined {
  const seed = process.env["MQLAB_FC_SEED"];
  return seed === undefined ? undefined : Number(seed);
}

/** The store around the index, reduced to what recovery uses: records, mark, dispatch offset. */
class World {
  readonly disk = new LosingDisk();
  redispatchFrom = Number.POSITIVE_INFINITY;
  readonly records: DispatchRequest[] = [];
  readonly model = new Map<string, number[]>();
  service: IndexService;
  mark = 0;

  constructor(readonly storeConfig: StoreConfig) {
    this.service = this.open();
  }

  private open(): IndexService {
    return new IndexService(createTestEnv({ disk: this.disk }), this.storeConfig);
  }

  dispatchOffset(): number {
    return this.records.length * RECORD_BYTES;
  }

  batch(keys: string[][]): void {
    const batch = keys.map((recordKeys) => record(this.records.length + keys.indexOf(recordKeys), recordKeys));
    this.service.buildIndexBatch(batch, 0, batch.length);
    for (const request of batch) {
      this.records.push(request);
      for (const key of request.keys) this.model.set(key, [request.commitLogOffset, ...(this.model.get(key) ?? [])]);
    }
  }

  async checkpoint(): Promise<void> {
    const mark = this.dispatchOffset();
    this.service.persist();
    await this.service.flush();
    this.mark = mark;
  }

  /** keep: the unsynced writes a power loss keeps per file (in order), tear: bytes of the next. */
  crash(power: boolean, keep = 0, tear = 0): void {
    if (power) this.disk.powerLossWithPrefix((count) => keep % (count + 1), tear);
    this.service = this.open();
    this.redispatchFrom = this.service.load(this.mark);
    const from = Math.min(this.redispatchFrom, this.mark);
    const again = this.records.filter((request) => request.commitLogOffset >= from);
    this.service.buildIndexBatch(again, 0, again.length);
  }

  assertQueriesMatch(context: string): void {
    for (const [key, offsets] of this.model) {
      const found = this.service.queryOffset("T", key, 64, 0, Number.MAX_SAFE_INTEGER).phyOffsets;
      assert.deepEqual(found, offsets.slice(0, 32), `${context}: key ${key}`);
    }
  }
}

test("in-memory slots: queries equal the model across seals, checkpoints and crashes (property)", async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
    const world = new World(config());
    for (const [step, op] of ops.entries()) {
      if (op.kind === "batch") world.batch(op.keys);
      else if (op.kind === "checkpoint") await world.checkpoint();
      else world.crash(op.power, op.keep, op.tear);
      world.assertQueriesMatch(`after op ${step} (${op.kind})`);
    }
    // A clean shutdown (checkpoint) and a power loss right after lose nothing and rebuild nothing.
    await world.checkpoint();
    const files = world.service.files.length;
    world.crash(true);
    assert.equal(world.service.files.length, files);
    world.assertQueriesMatch("after checkpoint + power loss");
  }), { numRuns: 200, seed: replaySeed() });
});

test("kept counterexample: a seal, then two power losses in a row (the second tears a write)", async () => {
  const world = new World(config());
  const ops: Op[] = [
    { kind: "batch", keys: [["a"]] }, { kind: "checkpoint" }, { kind: "batch", keys: [["a"]] },
    { kind: "batch", keys: [["a", "b"]] }, { kind: "batch", keys: [["a", "b", "e"], ["a", "d"]] },
    { kind: "crash", power: true, keep: 0, tear: 0 }, { kind: "crash", power: true, keep: 0, tear: 31 },
  ];
  for (const [step, op] of ops.entries()) {
    if (op.kind === "batch") world.batch(op.keys);
    else if (op.kind === "checkpoint") await world.checkpoint();
    else world.crash(op.power, op.keep, op.tear);
    world.assertQueriesMatch(`after op ${step} (${op.kind})`);
  }
});

test("a sealed file read from disk answers as it did from memory", async () => {
  // Arrange: one file, then seal it by filling it.
  const storeConfig = config({ maxHashSlotNum: 2, maxIndexNum: 6 });
  const world = new World(storeConfig);
  world.batch([["a"], ["b"], ["a", "c"]]);
  const fromMemory = ["a", "b", "c"].map((key) => world.service.queryOffset("T", key, 8, 0, Number.MAX_SAFE_INTEGER).phyOffsets);
  // Act: the next record fills the file and the one after starts a new file (the seal).
  world.batch([["d"], ["a"]]);
  // Assert
  const sealed = world.service.files[0]!;
  assert.equal(sealed.isWritable(), false, "the sealed file released its slot table");
  assert.equal(world.service.files.at(-1)!.isWritable(), true);
  const fromDisk = new IndexFile(world.disk, sealed.path, 2, 6, false);
  for (const [at, key] of ["a", "b", "c"].entries()) {
    const offsets: number[] = [];
    fromDisk.selectPhyOffsets(offsets, `T#${key}`, 8, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(offsets.filter((offset) => offset < 300), fromMemory[at], key);
  }
  world.assertQueriesMatch("after the seal");
});

test("a batch costs one index write (its entries), no read; slots and header go out at the checkpoint", async () => {
  // Arrange: 20,000 slots (80 KB of slots: 5 chunks of 16 KiB), one file already started.
  const counting = new CountingDisk(new MemoryDisk());
  const memory = createTestEnv({ disk: new MemoryDisk() });
  const service = new IndexService({ ...memory, disk: counting }, config({ maxHashSlotNum: 20_000, maxIndexNum: 10_000 }));
  service.buildIndexBatch([record(0, ["warm"])], 0, 1);
  const before = counting.snapshot("index");
  // Act: 50 batches of 8 records with 2 keys each.
  for (let batch = 0; batch < 50; batch++) {
    const requests = Array.from({ length: 8 }, (_, at) => record(1 + batch * 8 + at, [`u${batch}-${at}`, `k${at}`]));
    service.buildIndexBatch(requests, 0, requests.length);
  }
  // Assert
  const afterPuts = counting.snapshot("index");
  assert.equal(afterPuts.writes - before.writes, 50, "one write per batch: per-slot writes are back");
  assert.equal(afterPuts.reads - before.reads, 0, "slot reads come from memory");
  assert.equal(afterPuts.writtenBytes - before.writtenBytes, 50 * 8 * 2 * 20);
  service.persist();
  const afterPersist = counting.snapshot("index");
  const persistWrites = afterPersist.writes - afterPuts.writes;
  assert.ok(persistWrites >= 2 && persistWrites <= 1 + 3, `header + at most 3 runs over 5 chunks: ${persistWrites}`);
  service.persist();
  assert.equal(counting.snapshot("index").writes, afterPersist.writes, "nothing left to persist");
  assert.equal(service.queryOffset("T", "k3", 64, 0, Number.MAX_SAFE_INTEGER).phyOffsets.length, 32, "defaultQueryMaxNum");
});

for (const [lost, context] of [["header", "slots written, header not"], ["slots", "header written, slots not"]] as const) {
  test(`load rebuilds the newest file after a crash inside persist (${context})`, async () => {
    // Arrange: a checkpointed file, more keys, then a persist that loses some of its writes.
    const world = new World(config({ maxHashSlotNum: 5, maxIndexNum: 100 }));
    world.batch([["a"], ["b"]]);
    await world.checkpoint();
    world.batch([["c"], ["a"], ["d"]]);
    world.disk.lose = (position) => (lost === "header" ? position === 0 : position >= 40 && position < 40 + 5 * 4);
    world.service.persist();
    world.disk.lose = () => false;
    // Act: a process crash (everything written is in the page cache).
    world.crash(false);
    // Assert: the file was dropped and rebuilt from its first record; every key is found.
    assert.equal(world.redispatchFrom, 0);
    world.assertQueriesMatch(context);
  });
}

