// The simulated disk: page cache vs durable content, process crash vs power loss, torn
// writes, vanishing unsynced files, atomic replace, ENOSPC, fsync latency, dead handles.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Disk } from "../../system/env/index.ts";
import { DiskError } from "../../system/env/index.ts";
import { Inode } from "./disk_file.ts";
import { createWorld, deriveRandom, type SimNode, type World } from "./index.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

async function worldWithNode(seed: number, capacityBytes?: number): Promise<{ world: World; node: SimNode; disk: Disk }> {
  const world = createWorld({ seed, disk: capacityBytes === undefined ? {} : { capacityBytes } });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  await world.settle(node.start(async () => ({ stop: async () => {} })));
  return { world, node, disk: node.env!.disk };
}

/** Writes "durable|" and fsyncs it, then three unsynced writes; returns the file path. */
async function durableThenVolatile(world: World, disk: Disk): Promise<string> {
  disk.mkdirs("/data");
  const file = disk.open("/data/log", { create: true });
  file.write(0, encode("durable|"));
  await world.settle(file.fsync());
  let at = file.sizeBytes();
  for (const text of ["AAAA", "BBBB", "CCCC"]) {
    file.write(at, encode(text));
    at += text.length;
  }
  return "/data/log";
}

test("a process crash keeps unsynced bytes (page cache survives)", async () => {
  const { world, node, disk } = await worldWithNode(1);
  const path = await durableThenVolatile(world, disk);
  node.crash({ mode: "process" });
  await world.settle(node.restart());
  assert.equal(decode(node.env!.disk.readFile(path)), "durable|AAAABBBBCCCC");
});

test("power loss keeps durable bytes plus an in-order prefix of unsynced writes, maybe torn", async () => {
  const outcomes = new Set<string>();
  for (let seed = 0; seed < 80; seed++) {
    const { world, node, disk } = await worldWithNode(seed);
    const path = await durableThenVolatile(world, disk);
    node.crash({ mode: "power" });
    const text = decode(node.disk.readFile(path))!;
    assert.ok("durable|AAAABBBBCCCC".startsWith(text) && text.startsWith("durable|"), `bad survivor ${text}`);
    outcomes.add(text);
  }
  const suffixes = [...outcomes].map((text) => text.slice("durable|".length));
  assert.ok(suffixes.includes(""), "sometimes every unsynced byte is lost");
  assert.ok(suffixes.includes("AAAABBBBCCCC"), "sometimes everything made it anyway");
  assert.ok(suffixes.some((suffix) => suffix.length % 4 !== 0), `a torn write shows up: ${suffixes.join(",")}`);
});

test("power loss: a never-fsynced file vanishes; writeFileAtomic leaves the old or new content", async () => {
  for (let seed = 0; seed < 20; seed++) {
    const { world, node, disk } = await worldWithNode(seed);
    disk.mkdirs("/conf");
    disk.open("/conf/scratch", { create: true }).write(0, encode("never synced"));
    await world.settle(disk.writeFileAtomic("/conf/offsets.json", encode('{"v":1}')));
    const replace = disk.writeFileAtomic("/conf/offsets.json", encode('{"v":2}'));
    await world.runFor(seed % 3);
    node.crash({ mode: "power" });
    void replace;
    assert.equal(disk.exists("/conf/scratch"), false);
    assert.ok(['{"v":1}', '{"v":2}'].includes(decode(disk.readFile("/conf/offsets.json"))!));
  }
});

test("ENOSPC reaches the writer and nothing is written; space() reports it", async () => {
  const { node, disk } = await worldWithNode(2, 100);
  const file = disk.open("/f", { create: true });
  file.write(0, new Uint8Array(60));
  assert.deepEqual(disk.space("/"), { totalBytes: 100, freeBytes: 40 });
  assert.throws(() => file.write(60, new Uint8Array(50)), (error: DiskError) => error.code === "ENOSPC");
  assert.equal(file.sizeBytes(), 60, "a failed write changes nothing");
  assert.throws(() => file.truncate(200), (error: DiskError) => error.code === "ENOSPC");
  file.write(10, encode("overwrite"));
  node.disk.fill();
  assert.throws(() => file.write(60, encode("x")), (error: DiskError) => error.code === "ENOSPC");
  assert.equal(disk.space("/").freeBytes, 0);
  node.disk.restoreCapacity();
  assert.deepEqual(disk.space("/"), { totalBytes: 100, freeBytes: 40 });
  disk.remove("/f");
  assert.equal(disk.space("/").freeBytes, 100, "removing a file frees its bytes");
});

test("fsync takes the configured latency; the slow-disk fault multiplies it", async () => {
  const { world, node, disk } = await worldWithNode(3);
  const file = disk.open("/f", { create: true });
  file.write(0, encode("x"));
  let startMs = world.elapsedMs;
  await world.settle(file.fsync());
  const normalMs = world.elapsedMs - startMs;
  assert.ok(normalMs >= 1 && normalMs <= 2, `fsync took ${normalMs} ms`);
  node.disk.setSlowFactor(50);
  startMs = world.elapsedMs;
  await world.settle(file.fsync());
  assert.ok(world.elapsedMs - startMs >= 50, `slow fsync took ${world.elapsedMs - startMs} ms`);
});

test("directories: mkdirs, sorted list, rename over a file, remove of a tree, typed errors", async () => {
  const { disk } = await worldWithNode(4);
  disk.mkdirs("/store/commitlog");
  for (const name of ["00000000001073741824", "00000000000000000000"]) disk.open(`/store/commitlog/${name}`, { create: true });
  assert.deepEqual(disk.list("/store/commitlog"), ["00000000000000000000", "00000000001073741824"]);
  assert.deepEqual(disk.list("/nope"), []);
  assert.throws(() => disk.open("/missing/dir/file", { create: true }), (error: DiskError) => error.code === "ENOENT");
  assert.throws(() => disk.open("/store/absent"), (error: DiskError) => error.code === "ENOENT");
  assert.throws(() => disk.open("/store", { create: true }), (error: DiskError) => error.code === "EISDIR");
  disk.open("/store/a", { create: true }).write(0, encode("a"));
  disk.open("/store/b", { create: true }).write(0, encode("bb"));
  disk.rename("/store/a", "/store/b");
  assert.equal(decode(disk.readFile("/store/b")), "a");
  assert.equal(disk.exists("/store/a"), false);
  disk.remove("/store");
  assert.equal(disk.exists("/store/commitlog"), false);
  assert.equal(disk.space("/").freeBytes, disk.space("/").totalBytes);
});

test("a crashed incarnation's disk handle writes nothing", async () => {
  const { world, node, disk } = await worldWithNode(5);
  const file = disk.open("/f", { create: true });
  file.write(0, encode("before"));
  node.crash();
  file.write(0, encode("zombie"));
  let fsynced = false;
  void file.fsync().then(() => (fsynced = true));
  await world.runFor(100);
  assert.equal(decode(node.disk.readFile("/f")), "before");
  assert.equal(fsynced, false, "a dead incarnation's fsync never settles");
});

type InodeOp = { kind: "write"; position: number; text: string } | { kind: "truncate"; sizeBytes: number } | { kind: "fsync" };

test("Inode power loss always yields durable content plus a (maybe torn) in-order prefix", () => {
  const opArb: fc.Arbitrary<InodeOp> = fc.oneof(
    fc.record({ kind: fc.constant("write" as const), position: fc.nat(40), text: fc.string({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant("truncate" as const), sizeBytes: fc.nat(40) }),
    fc.record({ kind: fc.constant("fsync" as const) }),
  );
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 30 }), fc.integer(), (ops, seed) => {
      // Arrange: apply ops; an fsync makes everything before it durable.
      const inode = new Inode(1);
      const states: string[] = [""];
      const tornCandidates: { before: string; op: InodeOp }[] = [];
      let durableIndex = 0;
      const shadow = new Inode(2);
      for (const op of ops) {
        if (op.kind === "fsync") {
          inode.makeDurable(inode.fsyncMark());
          durableIndex = states.length - 1;
          continue;
        }
        const before = decode(shadow.content.read(0, shadow.sizeBytes))!;
        for (const target of [inode, shadow]) {
          if (op.kind === "write") target.write(op.position, encode(op.text));
          else target.truncate(op.sizeBytes);
        }
        tornCandidates.push({ before, op });
        states.push(decode(shadow.content.read(0, shadow.sizeBytes))!);
      }
      // Act
      inode.powerLoss(deriveRandom(seed, "prop"));
      const after = decode(inode.content.read(0, inode.sizeBytes))!;
      // Assert: a whole prefix of the unsynced ops, or one more op torn.
      const whole = states.slice(durableIndex);
      if (whole.includes(after)) return;
      const torn = tornCandidates.slice(durableIndex).some(({ before, op }) => {
        if (op.kind !== "write") return false;
        const bytes = encode(op.text);
        for (let cut = 1; cut < bytes.length; cut++) {
          const probe = new Inode(3);
          probe.write(0, encode(before));
          probe.write(op.position, bytes.subarray(0, cut));
          if (decode(probe.content.read(0, probe.sizeBytes)) === after) return true;
        }
        return false;
      });
      assert.ok(torn, `after power loss: ${JSON.stringify(after)} is no allowed state`);
    }),
    { numRuns: 300 },
  );
});

test("disk-error: EIO writes and creates change nothing, fsync rejects, inode exhaustion fails creates only; heal restores", async () => {
  const { world, node, disk } = await worldWithNode(4);
  const file = disk.open("/f", { create: true });
  file.write(0, encode("durable|"));
  await world.settle(file.fsync());
  node.disk.setIoErrors("write");
  assert.throws(() => file.write(8, encode("x")), (error: DiskError) => error.code === "EIO");
  assert.throws(() => disk.open("/g", { create: true }), (error: DiskError) => error.code === "EIO");
  assert.equal(file.sizeBytes(), 8, "a failed write changes nothing");
  node.disk.setIoErrors("fsync");
  file.write(8, encode("volatile"));
  await assert.rejects(world.settle(file.fsync()), (error: DiskError) => error.code === "EIO");
  node.disk.setIoErrors("create");
  assert.throws(() => disk.open("/g", { create: true }), (error: DiskError) => error.code === "ENOSPC");
  file.write(16, encode("!"));
  assert.equal(decode(node.disk.readFile("/f")), "durable|volatile!", "existing files still take data");
  node.crash({ mode: "power" });
  assert.ok(decode(node.disk.readFile("/f"))!.startsWith("durable|"));
  node.disk.setIoErrors("none");
  await world.settle(node.restart());
  const again = node.env!.disk.open("/f", { create: false });
  again.write(0, encode("healed"));
  await world.settle(again.fsync());
  assert.equal(decode(node.disk.readFile("/f"))!.slice(0, 6), "healed");
});
