// Server + client over real loopback sockets (real Env, 127.0.0.1 port 0).
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import * as nodeNet from "node:net";
import { createRealEnv } from "../env/real/index.ts";
import type { RealEnv } from "../env/real/index.ts";
import { RemotingClient } from "./remoting_client.ts";
import type { RemotingChannel } from "./remoting_channel.ts";
import { createRequest, createResponse, fromUtf8, SerializeType, utf8 } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import {
  RemotingConnectError,
  RemotingConnectionClosedError,
  RemotingTimeoutError,
} from "./remoting_errors.ts";
import { RemotingServer } from "./remoting_server.ts";

let env: RealEnv;
let server: RemotingServer;
let client: RemotingClient;
let addr: string;

beforeEach(async () => {
  env = createRealEnv({ nodeName: "remoting-test", logLevel: "silent" });
  server = new RemotingServer(env);
  server.registerProcessor(1, (_context, request) =>
    createResponse(request, 0, undefined, { echo: request.extFields["value"] ?? "" }, request.body),
  );
  const listener = await server.listen("127.0.0.1", 0);
  addr = `127.0.0.1:${listener.port}`;
  client = new RemotingClient(env, { connectTimeoutMs: 1000 });
});

afterEach(async () => {
  client.shutdown();
  await server.shutdown();
  env.close();
});

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

test("request/response matches by opaque and echoes header and body", async () => {
  const responses = await Promise.all(
    [1, 2, 3].map((n) => client.invokeSync(addr, createRequest(1, { value: `v${n}` }, utf8(`body${n}`)), 2000)),
  );
  assert.deepStrictEqual(responses.map((r) => r.extFields["echo"]), ["v1", "v2", "v3"]);
  assert.deepStrictEqual(responses.map((r) => fromUtf8(r.body!)), ["body1", "body2", "body3"]);
  assert.equal(client.addresses().length, 1, "one connection per address");
});

test("a client's serializeType stamps every request; the server answers in kind", async () => {
  const seen: SerializeType[] = [];
  server.registerProcessor(2, (_context, request) => {
    seen.push(request.serializeType);
    return createResponse(request, 0, "ok", { echo: request.extFields["value"] ?? "" });
  });
  const binary = new RemotingClient(env, { connectTimeoutMs: 1000, serializeType: SerializeType.ROCKETMQ });
  try {
    const response = await binary.invokeSync(addr, createRequest(2, { value: "v" }), 2000);
    await binary.invokeOneway(addr, createRequest(2, { value: "oneway" }));
    // Same connection, so the oneway request has been handled once this answer is back.
    await binary.invokeSync(addr, createRequest(2, { value: "after" }), 2000);
    await client.invokeSync(addr, createRequest(2, { value: "json" }), 2000);
    assert.equal(response.serializeType, SerializeType.ROCKETMQ);
    assert.equal(response.extFields["echo"], "v");
    assert.equal(response.remark, "ok");
    assert.deepEqual(seen, [SerializeType.ROCKETMQ, SerializeType.ROCKETMQ, SerializeType.ROCKETMQ, SerializeType.JSON]);
  } finally {
    binary.shutdown();
  }
});

test("responses use the request's serialize type", async () => {
  const request = createRequest(1, { value: "bin" }, undefined, { serializeType: SerializeType.ROCKETMQ });
  const response = await client.invokeSync(addr, request, 2000);
  assert.equal(response.serializeType, SerializeType.ROCKETMQ);
  assert.equal(response.extFields["echo"], "bin");
});

test("unknown request code gets REQUEST_CODE_NOT_SUPPORTED (3)", async () => {
  const response = await client.invokeSync(addr, createRequest(999), 2000);
  assert.equal(response.code, 3);
  assert.equal(response.remark, " request type 999 not supported");
});

test("a throwing processor gets SYSTEM_ERROR (1) with the error text", async () => {
  server.registerProcessor(2, () => {
    throw new Error("boom in handler");
  });
  server.registerProcessor(3, async () => Promise.reject(new Error("async boom")));
  assert.deepStrictEqual(
    [(await client.invokeSync(addr, createRequest(2), 2000)).remark, (await client.invokeSync(addr, createRequest(3), 2000)).remark],
    ["boom in handler", "async boom"],
  );
  assert.equal((await client.invokeSync(addr, createRequest(2), 2000)).code, 1);
});

test("oneway requests reach the processor and get no reply", async () => {
  const seen = deferred<RemotingCommand>();
  server.registerProcessor(15, (_context, request) => {
    seen.resolve(request);
    return createResponse(request, 0);
  });
  await client.invokeOneway(addr, createRequest(15, { commitOffset: "42" }));
  const request = await seen.promise;
  assert.equal(request.extFields["commitOffset"], "42");
  assert.equal(request.flag & 2, 2);
  // The connection still works and nothing stray arrived for a pending request.
  assert.equal((await client.invokeSync(addr, createRequest(1, { value: "after" }), 2000)).extFields["echo"], "after");
});

test("timeout rejects with RemotingTimeoutError; a held request does not block others", async () => {
  const release = deferred<void>();
  server.registerProcessor(11, async (_context, request) => {
    await release.promise; // long polling: answered much later
    return createResponse(request, 19);
  });
  const held = client.invokeSync(addr, createRequest(11), 5000);
  const startMs = env.clock.monotonicMs();
  await assert.rejects(client.invokeSync(addr, createRequest(11), 100), RemotingTimeoutError);
  assert.ok(env.clock.monotonicMs() - startMs < 2000);
  assert.equal((await client.invokeSync(addr, createRequest(1, { value: "x" }), 2000)).extFields["echo"], "x");
  release.resolve();
  assert.equal((await held).code, 19);
});

test("server → client request (NOTIFY_CONSUMER_IDS_CHANGED oneway, GET_CONSUMER_RUNNING_INFO sync)", async () => {
  const notified = deferred<string>();
  client.registerProcessor(40, (_context, request) => {
    notified.resolve(request.extFields["consumerGroup"] ?? "");
    return undefined;
  });
  client.registerProcessor(307, (_context, request) => createResponse(request, 0, undefined, {}, utf8("running")));
  const connected = deferred<RemotingChannel>();
  server.onChannelConnect((channel) => connected.resolve(channel));
  await client.invokeSync(addr, createRequest(1), 2000);
  const channel = await connected.promise;
  channel.invokeOneway(createRequest(40, { consumerGroup: "G1" }));
  assert.equal(await notified.promise, "G1");
  const info = await channel.invokeSync(createRequest(307, { consumerGroup: "G1", clientId: "c" }), 2000);
  assert.equal(fromUtf8(info.body!), "running");
  const unknown = await channel.invokeSync(createRequest(309), 2000);
  assert.equal(unknown.code, 3);
});

test("peer vanishing mid-request fails every pending request at once; the next call reconnects", async () => {
  const arrived = deferred<RemotingChannel>();
  let count = 0;
  server.registerProcessor(11, (context) => {
    if (++count === 2) arrived.resolve(context.channel);
    return new Promise<undefined>(() => undefined); // never answers
  });
  const first = client.invokeSync(addr, createRequest(11), 10_000);
  const second = client.invokeSync(addr, createRequest(11), 10_000);
  (await arrived.promise).close();
  for (const pending of [first, second]) {
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof RemotingConnectionClosedError);
      assert.match(error.message, /connection closed before the response arrived/);
      return true;
    });
  }
  assert.equal((await client.invokeSync(addr, createRequest(1, { value: "again" }), 2000)).extFields["echo"], "again");
});

test("channel connect/close events reach the server", async () => {
  const closed = deferred<RemotingChannel>();
  server.onChannelClose((channel) => closed.resolve(channel));
  await client.invokeSync(addr, createRequest(1), 2000);
  assert.equal(server.channels().length, 1);
  client.closeChannel(addr);
  const channel = await closed.promise;
  assert.equal(channel.closed, true);
  assert.equal(server.channels().length, 0);
});

test("one server on several ports serves the same processors", async () => {
  const second = await server.listen("127.0.0.1", 0);
  const response = await client.invokeSync(`127.0.0.1:${second.port}`, createRequest(1, { value: "vip" }), 2000);
  assert.equal(response.extFields["echo"], "vip");
  assert.equal(server.addresses().length, 2);
});

test("connecting to a closed port rejects with RemotingConnectError", async () => {
  const probe = await env.net.listen("127.0.0.1", 0, () => undefined);
  const port = probe.port;
  await probe.close();
  await assert.rejects(client.invokeSync(`127.0.0.1:${port}`, createRequest(1), 2000), RemotingConnectError);
});

test("a decode error closes the connection", async () => {
  const closed = deferred<void>();
  server.onChannelClose(() => closed.resolve());
  const socket = nodeNet.connect({ host: "127.0.0.1", port: Number(addr.split(":")[1]) });
  await new Promise<void>((done) => socket.once("connect", () => done()));
  const ended = new Promise<void>((done) => socket.once("close", () => done()));
  socket.write(Buffer.from([0, 0, 0, 10, 9, 0, 0, 1]));
  await closed.promise;
  await ended;
  // Valid frames still work on new connections.
  assert.equal((await client.invokeSync(addr, createRequest(1, { value: "ok" }), 2000)).extFields["echo"], "ok");
});
