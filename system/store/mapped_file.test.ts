// MappedFile reads over the deferred tail: read() and readInto() see appended bytes whether or
// not they reached the file yet, and agree with each other byte for byte.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { MappedFile } from "./mapped_file.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";

function openFile(): MappedFile {
  const disk = new MemoryDisk();
  disk.mkdirs("/store");
  return new MappedFile(disk, "/store", 0, 4096, true);
}

test("property: readInto equals read over written bytes, the deferred tail, and both", () => {
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.nat(),
    (written, deferred, startSeed, lengthSeed) => {
      const file = openFile();
      if (written.length > 0) file.appendBytes(written);
      file.appendDeferred(deferred);
      const total = written.length + deferred.length;
      const position = startSeed % total;
      const lengthBytes = 1 + (lengthSeed % (total - position));
      const target = new Uint8Array(lengthBytes + 4).fill(0xee);
      file.readInto(position, lengthBytes, target, 2);
      const expected = new Uint8Array([...written, ...deferred]).subarray(position, position + lengthBytes);
      assert.deepEqual(target.subarray(2, 2 + lengthBytes), expected);
      assert.deepEqual(file.read(position, lengthBytes), expected);
      assert.equal(target[0], 0xee);
      assert.equal(target[lengthBytes + 2], 0xee, "nothing written past the range");
      // Once the tail is written, the same read gives the same bytes from the file.
      file.writePending();
      const after = new Uint8Array(lengthBytes);
      file.readInto(position, lengthBytes, after, 0);
      assert.deepEqual(after, expected);
    },
  ));
});
