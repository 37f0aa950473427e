// The server request hook and the client RPC hook (the seams ACL uses): a rejected request
// never reaches its processor and gets SYSTEM_ERROR with the hook's remark (no reply when
// oneway); unknown codes are answered before any hook, as in Java; the client hook sees every
// request (sync and oneway) before it is written.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRealEnv } from "../env/real/index.ts";
import { RemotingClient } from "./remoting_client.ts";
import { RemotingServer } from "./remoting_server.ts";
import { createRequest, createResponse, FLAG_ONEWAY } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { ResponseCode } from "./response_code.ts";

test("request hook: rejection replaces the processor; client hook sees every request", async () => {
  const env = createRealEnv({ nodeName: "hook-test", logLevel: "silent" });
  const server = new RemotingServer(env);
  const processed: number[] = [];
  const hooked: string[] = [];
  server.registerProcessor(10, (_context, request) => {
    processed.push(Number(request.extFields["n"]));
    return createResponse(request, ResponseCode.SUCCESS);
  });
  server.registerRequestHook((remoteAddress, request) => {
    hooked.push(remoteAddress);
    return request.extFields["token"] === "ok" ? undefined : `refused ${request.extFields["n"] ?? ""}`;
  });
  const listener = await server.listen("127.0.0.1", 0);
  const seen: RemotingCommand[] = [];
  const client = new RemotingClient(env, { rpcHook: { doBeforeRequest: (_addr, request) => { seen.push(request); } } });
  const addr = `127.0.0.1:${listener.port}`;
  try {
    const allowed = await client.invokeSync(addr, createRequest(10, { n: "1", token: "ok" }), 3000);
    assert.equal(allowed.code, ResponseCode.SUCCESS);
    const refused = await client.invokeSync(addr, createRequest(10, { n: "2" }), 3000);
    assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(refused.remark, "refused 2");
    const oneway = createRequest(10, { n: "3" });
    oneway.flag |= FLAG_ONEWAY;
    await client.invokeOneway(addr, oneway);
    const unknown = await client.invokeSync(addr, createRequest(999, { n: "4" }), 3000);
    assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    const last = await client.invokeSync(addr, createRequest(10, { n: "5", token: "ok" }), 3000);
    assert.equal(last.code, ResponseCode.SUCCESS);
    assert.deepEqual(processed, [1, 5]);
    assert.equal(hooked.length, 4, "the unknown code never reached the hook");
    assert.ok(hooked.every((remote) => remote.startsWith("127.0.0.1:")));
    assert.deepEqual(seen.map((request) => request.extFields["n"]), ["1", "2", "3", "4", "5"]);
  } finally {
    client.shutdown();
    await server.shutdown();
    env.close();
  }
});
