// RealNet's source-address binding: the lab gives each node its own loopback address, and
// packet filter rules match on it, so the server must see the bound address as the peer.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Connection } from "../env.ts";
import { createRealEnv } from "./index.ts";
import { RealNet } from "./net.ts";

async function peerSeenBy(net: RealNet, options: { localAddress?: string }): Promise<string> {
  const server = createRealEnv({ nodeName: "server", logLevel: "silent", sourceAddress: "" });
  try {
    let resolvePeer: (peer: string) => void = () => {};
    const peer = new Promise<string>((resolve) => (resolvePeer = resolve));
    const listener = await server.net.listen("127.0.0.1", 0, (connection: Connection) => {
      resolvePeer(connection.remoteAddress.split(":")[0] ?? "");
    });
    const client = await net.connect("127.0.0.1", listener.port, { timeoutMs: 1000, ...options });
    const seen = await peer;
    client.destroy();
    await listener.close();
    return seen;
  } finally {
    server.close();
    net.closeAll();
  }
}

test("net: connect binds the per-process default source address", async () => {
  assert.equal(await peerSeenBy(new RealNet({ sourceAddress: "127.0.3.7" }), {}), "127.0.3.7");
});

test("net: a per-call localAddress wins over the default; none means the kernel's choice", async () => {
  assert.equal(await peerSeenBy(new RealNet({ sourceAddress: "127.0.3.7" }), { localAddress: "127.0.3.8" }), "127.0.3.8");
  assert.equal(await peerSeenBy(new RealNet(), {}), "127.0.0.1");
});
