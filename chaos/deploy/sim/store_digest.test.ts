// The commit log digest: the extent walk over records and BLANK fillers, and digests that equal
// the sha256 of the log's bytes however the segments are read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { BLANK_MAGIC_CODE, MESSAGE_MAGIC_CODE } from "../../../system/message/index.ts";
import type { DiskReader } from "./commit_log_extent.ts";
import { commitLogExtent } from "./commit_log_extent.ts";
import { fileBytes } from "./file_bytes.test_support.ts";
import { chunkDigests, digestExtent, storeDigestEvents } from "./store_digest.ts";

/** A record of `size` bytes: [size][magic][filler]. */
function record(size: number, fill: number, magic = MESSAGE_MAGIC_CODE): Uint8Array {
  const bytes = new Uint8Array(size).fill(fill);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, size);
  view.setInt32(4, magic);
  return bytes;
}
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
};
const name = (offset: number): string => String(offset).padStart(20, "0");
function disk(files: Record<string, Uint8Array>): DiskReader {
  return {
    fileContent: (path) => {
      const bytes = files[path.slice(path.lastIndexOf("/") + 1)];
      return bytes === undefined ? undefined : fileBytes(bytes);
    },
    list: () => Object.keys(files).sort(),
  };
}

test("the extent walks records across a blank-filled segment and stops at a torn tail", () => {
  // Segment 0 (64 bytes): records of 20 + 28, then a 16-byte BLANK fill. Segment 64: 24 + a torn 40.
  const first = concat(record(20, 1), record(28, 2), record(16, 0, BLANK_MAGIC_CODE));
  const torn = record(40, 4).subarray(0, 30);
  const extent = commitLogExtent(disk({ [name(0)]: first, [name(64)]: concat(record(24, 3), torn) }), "/store/commitlog");
  assert.deepEqual([extent.minPhysicalOffset, extent.maxPhysicalOffset], [0, 88]);
});

test("a blank filler that wrote only its header spans its declared length, read as zeros like the slave's copy", () => {
  // The store writes the filler's 8-byte header and declares the segment's remaining 16 bytes:
  // the master's file ends at 56, the slave (fed by HA) holds the zeros up to 64.
  const filler = record(16, 0, BLANK_MAGIC_CODE);
  const masterFirst = concat(record(20, 1), record(28, 2), filler.subarray(0, 8));
  const slaveFirst = concat(record(20, 1), record(28, 2), filler);
  const second = record(24, 3);
  const master = disk({ [name(0)]: masterFirst, [name(64)]: second });
  const slave = disk({ [name(0)]: slaveFirst, [name(64)]: second });
  assert.equal(commitLogExtent(master, "/c").maxPhysicalOffset, 88, "the walk goes on into the next segment");
  const [m, s] = storeDigestEvents([
    { node: "broker-a", brokerName: "broker-a", role: "master", disk: master, commitLogDir: "/c" },
    { node: "broker-a-s", brokerName: "broker-a", role: "slave", disk: slave, commitLogDir: "/c" },
  ], 5);
  assert.equal(m?.sha256, s?.sha256);
});

test("digests: a slave holding the master's prefix gets the master's prefix digest; a slave ahead gets one at the master's end", () => {
  const log = concat(record(20, 1), record(20, 2), record(20, 3));
  const master = disk({ [name(0)]: log });
  const slave = disk({ [name(0)]: log.subarray(0, 40) });
  const [m, s] = storeDigestEvents([
    { node: "broker-a", brokerName: "broker-a", role: "master", disk: master, commitLogDir: "/c" },
    { node: "broker-a-s", brokerName: "broker-a", role: "slave", disk: slave, commitLogDir: "/c" },
  ], 5);
  assert.equal(m?.maxPhysicalOffset, 60);
  assert.equal(s?.maxPhysicalOffset, 40);
  assert.equal(m?.sha256, createHash("sha256").update(log).digest("hex"));
  assert.equal(m?.prefixSha256?.["40"], s?.sha256);
  // The other way round (slave ahead: a master that lost its tail).
  const [m2, s2] = storeDigestEvents([
    { node: "broker-a", brokerName: "broker-a", role: "master", disk: slave, commitLogDir: "/c" },
    { node: "broker-a-s", brokerName: "broker-a", role: "slave", disk: master, commitLogDir: "/c" },
  ], 5);
  assert.equal(s2?.prefixSha256?.["40"], m2?.sha256);
  assert.equal(m2?.prefixSha256, undefined);
});

test("digests read in windows equal the sha256 of the log's bytes (segments larger than the read window)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 9, max: 90_000 }), { minLength: 1, maxLength: 12 }), fc.nat(), (sizes, seed) => {
      // Records fill 200 000-byte segments; a record that does not fit closes its segment with
      // a BLANK header (the zeros after it are not written), as the store does.
      const segmentSizeBytes = 200_000;
      const files: Record<string, Uint8Array> = {};
      const full: Uint8Array[] = [];
      let base = 0;
      let current: Uint8Array[] = [];
      let used = 0;
      const close = (blank: boolean): void => {
        const parts = blank ? [...current, record(segmentSizeBytes - used, 0, BLANK_MAGIC_CODE).subarray(0, 8)] : current;
        files[name(base)] = concat(...parts);
        full.push(blank ? concat(...current, record(segmentSizeBytes - used, 0, BLANK_MAGIC_CODE)) : concat(...current));
        base += segmentSizeBytes;
        current = [];
        used = 0;
      };
      sizes.forEach((size, index) => {
        if (used + size + 8 > segmentSizeBytes) close(true);
        current.push(record(size, (seed + index) % 251));
        used += size;
      });
      close(false);
      const log = concat(...full);
      const reader = disk(files);
      const extent = commitLogExtent(reader, "/c");
      assert.deepEqual([extent.minPhysicalOffset, extent.maxPhysicalOffset], [0, log.length]);
      const prefixAt = seed % (log.length + 1);
      const { sha256, prefixSha256 } = digestExtent(extent, [prefixAt]);
      assert.equal(sha256, createHash("sha256").update(log).digest("hex"));
      assert.equal(prefixSha256[String(prefixAt)], createHash("sha256").update(log.subarray(0, prefixAt)).digest("hex"));
      const chunkSizeBytes = 70_000;
      const expected: string[] = [];
      for (let start = 0; start < log.length; start += chunkSizeBytes) expected.push(createHash("sha256").update(log.subarray(start, start + chunkSizeBytes)).digest("hex"));
      assert.deepEqual(chunkDigests(extent, chunkSizeBytes), expected);
    }),
    { numRuns: 40 },
  );
});
