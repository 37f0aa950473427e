// The local driver's network faults: a firewall between two configured addresses becomes real
// nftables rules on this machine (a connect from the source's address is refused, one from a
// bystander's address is not), heal removes them, close deletes the table. Needs root and nft
// (skipped otherwise). Faults that would hit nodes sharing an address are refused before the run.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../../system/cli/testing/processes.ts";
import type { Fault } from "../../faults/types.ts";
import { LocalFaultDriver } from "./local_driver.ts";
import { externalNftTable, nftUsable } from "./local_network.ts";

const run = promisify(execFile);

/** "connected", "timeout", or the error code. */
function connectFrom(localAddress: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress, timeout: 2_000 });
    socket.once("connect", () => { socket.destroy(); resolve("connected"); });
    socket.once("timeout", () => { socket.destroy(); resolve("timeout"); });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test("network faults that would hit nodes sharing an address are refused, precise ones accepted", () => {
  const shared = new LocalFaultDriver({ nodes: { "namesrv-1": { address: "127.0.0.1:9876" }, "broker-a": { address: "127.0.0.1:10911" }, "broker-b": { address: "127.0.0.1:10921" } } }, "/nonexistent", () => {});
  const firewall: Fault = { kind: "firewall", source: "broker-a", target: "namesrv-1", port: "namesrv", mode: "drop", direction: "both" };
  const refused = shared.supports(firewall);
  assert.ok(!refused.supported && /broker-a shares 127\.0\.0\.1 with namesrv-1, broker-b/.test(refused.why), JSON.stringify(refused));
  const partition = shared.supports({ kind: "partition", shape: "isolate", target: "broker-a" });
  assert.ok(!partition.supported);

  const apart = new LocalFaultDriver({ nodes: { "namesrv-1": { address: "127.0.1.1:9876" }, "broker-a": { address: "127.0.2.1:10911" }, "broker-b": { address: "127.0.2.2:10921" } } }, "/nonexistent", () => {}, 60_000, [{ name: "producer-1", role: "producer" }]);
  assert.deepEqual(apart.supports(firewall), { supported: true });
  assert.deepEqual(apart.supports({ kind: "partition", shape: "isolate", target: "broker-a" }), { supported: true });
  assert.deepEqual(apart.supports({ kind: "heartbeat-loss", scope: "client-to-broker", source: "producer-1" }), { supported: true });
  const delay = apart.supports({ kind: "flow", source: "broker-a", target: "broker-b", delayMs: 50, jitterMs: 0, lossPercent: 0, direction: "both" });
  assert.ok(!delay.supported && /relay/.test(delay.why));
  const unknown = apart.supports({ ...firewall, source: "broker-z" });
  assert.ok(!unknown.supported && /broker-z/.test(unknown.why));
});

test("a firewall becomes nftables rules on the source's address and the target's port; heal and close undo it", { timeout: 60_000 }, async (context) => {
  if (!(await nftUsable())) {
    context.skip("needs root and nft");
    return;
  }
  const port = await freePort();
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const logDir = mkdtempSync(join(tmpdir(), "mqlab-local-net-"));
  const driver = new LocalFaultDriver({ nodes: { "namesrv-1": { address: "127.0.0.32:9876" }, "broker-a": { address: `127.0.0.1:${port}` } } }, logDir, () => {});
  const fault: Fault = { kind: "firewall", source: "namesrv-1", target: "broker-a", port: "broker", mode: "reject", direction: "both" };
  try {
    assert.deepEqual(driver.supports(fault), { supported: true });
    assert.equal(await connectFrom("127.0.0.32", port), "connected");
    await driver.inject(fault, 3);
    assert.equal(await connectFrom("127.0.0.32", port), "ECONNREFUSED", "the source is cut from broker-a's port");
    assert.equal(await connectFrom("127.0.0.33", port), "connected", "a bystander's address is not");
    await driver.heal(fault, 3);
    assert.equal(await connectFrom("127.0.0.32", port), "connected", "healed");
    await driver.inject(fault, 4);
    assert.deepEqual(await driver.close(), []);
    assert.equal(await connectFrom("127.0.0.32", port), "connected", "close removed the unhealed rule");
    const { stdout } = await run("nft", ["list", "tables"]);
    assert.ok(!stdout.includes(externalNftTable), stdout);
  } finally {
    await driver.close().catch(() => []);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(logDir, { recursive: true, force: true });
  }
});
