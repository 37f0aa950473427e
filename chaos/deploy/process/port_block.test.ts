// Port blocks for host-mode runs: the layout keeps every node port apart from the claims and
// from each other, blocks avoid the ephemeral range, two runs never hold the same block (also
// with the same run id, also claimed at the same moment), a foreign listener inside a block moves
// the run on, and a released block can be claimed again. Real sockets on 127.0.0.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import fc from "fast-check";
import { AddressPlan } from "../address_plan.ts";
import { blockLayout, candidateBases, ephemeralPortRange, layoutAddressOptions, PortBlock, portBlockSizePorts, type BlockLayout, type PlannedBind } from "./port_block.ts";

function planPorts(layout: BlockLayout, nameServers: number, brokers: number): number[] {
  const plan = new AddressPlan(
    Array.from({ length: nameServers }, (_, index) => `namesrv-${index + 1}`),
    Array.from({ length: brokers }, (_, index) => `broker-${index}`),
    layoutAddressOptions(layout),
  );
  return plan.all().flatMap((node) => [node.port, node.vipPort, node.haPort].filter((port): port is number => port !== undefined));
}

test("layout: node ports are distinct, inside the block, and never a claim port", () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 89 }), fc.integer({ min: 0, max: 40 }), (nameServers, brokers) => {
    const base = 20_000;
    const layout = blockLayout(base, nameServers, brokers);
    const ports = planPorts(layout, nameServers, brokers);
    assert.equal(new Set(ports).size, ports.length, "no port planned twice");
    for (const port of ports) {
      assert.ok(port > base && port < base + layout.sizePorts, `${port} inside [${base}, ${base + layout.sizePorts})`);
      assert.notEqual((port - base) % portBlockSizePorts, 0, `${port} is not a claim port`);
    }
    assert.equal(layout.sizePorts % portBlockSizePorts, 0);
  }));
  // The usual topologies read like the defaults: 9876 → base+1, 10911 → base+11.
  assert.deepEqual(blockLayout(24_300, 2, 4), { namesrvBasePort: 24_301, brokerBasePort: 24_311, brokerPortStep: 10, sizePorts: 100 });
});

test("candidate blocks lie outside the ephemeral range, start where the run id says, and cover every block once", () => {
  const ephemeral = { low: 32_768, high: 60_999 };
  const bases = candidateBases("abc123", 100, ephemeral);
  assert.equal(new Set(bases).size, bases.length);
  for (const base of bases) assert.ok(base + 99 < ephemeral.low || base > ephemeral.high, `${base} outside the ephemeral range`);
  assert.ok(bases.includes(20_000) && bases.includes(32_600) && !bases.includes(32_700) && bases.includes(61_000));
  assert.deepEqual(candidateBases("abc123", 100, ephemeral), bases, "the same run id gives the same order");
  const starts = new Set(["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => candidateBases(id, 100, ephemeral)[0]));
  assert.ok(starts.size >= 6, `different run ids start in different blocks (${[...starts].join(", ")})`);
  const range = ephemeralPortRange();
  assert.ok(range.low > 0 && range.low <= range.high);
});

function hold(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

const bindsOf = (layout: BlockLayout): PlannedBind[] => [
  { host: "127.0.0.1", port: layout.namesrvBasePort },
  { host: "127.0.0.1", port: layout.brokerBasePort - 2 },
  { host: "127.0.0.1", port: layout.brokerBasePort },
];

test("two runs claiming at the same moment, even with the same run id, get different blocks", async () => {
  const blocks = await Promise.all(Array.from({ length: 6 }, () => PortBlock.claim("same-run-id", 2, 4, bindsOf)));
  try {
    assert.equal(new Set(blocks.map((block) => block.basePort)).size, blocks.length, blocks.map((block) => block.basePort).join(", "));
    // A claim is a real exclusive listener: nobody else can bind the block's base port.
    await assert.rejects(hold(blocks[0]!.basePort, "127.0.0.1"), /EADDRINUSE/);
  } finally {
    await Promise.all(blocks.map((block) => block.release()));
  }
  assert.ok(blocks.every((block) => !block.held));
  const again = await PortBlock.claim("same-run-id", 2, 4, bindsOf);
  await again.release();
  assert.ok(blocks.some((block) => block.basePort === again.basePort), "a released block is free again");
});

test("a foreign listener on a planned port moves the run to another block", async () => {
  const first = await PortBlock.claim("foreign-test", 2, 4, bindsOf);
  const wanted = first.basePort;
  const foreignPort = first.layout.brokerBasePort;
  await first.release();
  const foreign = await hold(foreignPort, "127.0.0.1");
  try {
    const moved = await PortBlock.claim("foreign-test", 2, 4, bindsOf);
    await moved.release();
    assert.notEqual(moved.basePort, wanted, `block ${wanted} holds a foreign listener on ${foreignPort}`);
  } finally {
    await new Promise((resolve) => foreign.close(resolve));
  }
});
