// Wire interop with the pure-JS RocketMQ client ali-ons (its own RemotingCommand codec): what it
// encodes we decode (JSON numbers/booleans in extFields become Java strings), and what we answer
// it decodes (strict JSON header, serialize type 0 — it does not mask the type byte).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { encodeFrame } from "./command_codec.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { createResponse, fromUtf8, utf8 } from "./remoting_command.ts";

interface AliCommand {
  code: number;
  opaque: number;
  flag: number;
  remark?: string;
  extFields: Record<string, unknown>;
  body?: Buffer;
  encode(): Buffer;
}
interface AliCommandClass {
  createRequestCommand(code: number, customHeader: Record<string, unknown>): AliCommand;
  decode(packet: Buffer): AliCommand;
}

const require = createRequire(import.meta.url);
const AliRemotingCommand = require("ali-ons/lib/protocol/command/remoting_command.js") as AliCommandClass;

test("an ali-ons SEND_MESSAGE_V2 request decodes with Java-style string extFields", () => {
  const request = AliRemotingCommand.createRequestCommand(310, {
    a: "PG", b: "TopicTest", c: "TBW102", d: 4, e: 0, f: 0, g: 1700000000000, h: 0, i: "TAGS\u0001TagA\u0002", j: 0, k: false,
  });
  request.body = Buffer.from("hello");
  const decoded: RemotingCommand[] = [];
  new FrameDecoder((command) => decoded.push(command)).push(request.encode());
  assert.equal(decoded.length, 1);
  const command = decoded[0]!;
  assert.equal(command.code, 310);
  assert.equal(command.opaque, request.opaque);
  assert.equal(command.language, "JAVA");
  assert.equal(command.version, 121);
  assert.deepStrictEqual(
    { d: command.extFields["d"], g: command.extFields["g"], k: command.extFields["k"], i: command.extFields["i"] },
    { d: "4", g: "1700000000000", k: "false", i: "TAGS\u0001TagA\u0002" },
  );
  assert.equal(fromUtf8(command.body!), "hello");
});

test("our response decodes in ali-ons", () => {
  const request = AliRemotingCommand.createRequestCommand(105, { topic: "TopicTest" });
  const decoded: RemotingCommand[] = [];
  new FrameDecoder((command) => decoded.push(command)).push(request.encode());
  const response = createResponse(decoded[0]!, 17, "No topic route info", { msgId: "ABC", queueOffset: "7" }, utf8('{"x":1}'));
  const frame = Buffer.from(encodeFrame(response));
  // ali-ons decodes the whole frame (length field included).
  const aliResponse = AliRemotingCommand.decode(frame);
  assert.equal(aliResponse.code, 17);
  assert.equal(aliResponse.opaque, request.opaque);
  assert.equal(aliResponse.flag & 1, 1);
  assert.equal(aliResponse.remark, "No topic route info");
  assert.deepStrictEqual(aliResponse.extFields, { msgId: "ABC", queueOffset: "7" });
  assert.equal(aliResponse.body?.toString(), '{"x":1}');
});
