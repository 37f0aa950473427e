// Spawns the real mqnamesrv CLI (Node + tsx), talks to it with RemotingClient, and checks the
// boot line, GET_ALL_TOPIC_LIST_FROM_NAMESERVER, graceful SIGTERM and the port-taken error.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as nodeNet from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { createRealEnv } from "../env/real/index.ts";
import { RemotingClient } from "../remoting/remoting_client.ts";
import { createRequest } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { decodeTopicList } from "../protocol/admin_bodies.ts";

const entry = fileURLToPath(new URL("./mqnamesrv.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "mqlab-mqnamesrv-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = nodeNet.createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const port = (server.address() as nodeNet.AddressInfo).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function writeConf(port: number): string {
  const path = join(dir, `namesrv-${port}.properties`);
  writeFileSync(path, `listenHost=127.0.0.1\nlistenPort=${port}\nkvConfigPath=${dir}/kv-${port}.json\nscanNotActiveBrokerInterval=1000\n`);
  return path;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], { cwd: repoRoot, env: { ...process.env, MQLAB_LOG_LEVEL: "info" } });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

test("boots, prints RocketMQ's boot line, answers GET_ALL_TOPIC_LIST, stops on SIGTERM", { timeout: 60_000 }, async () => {
  const port = await freePort();
  const namesrv = run(["-c", writeConf(port)]);
  try {
    await waitFor(() => namesrv.stdout().includes("The Name Server boot success. serializeType=JSON"), "boot line");
    const env = createRealEnv({ nodeName: "int-test-client", logLevel: "silent" });
    const client = new RemotingClient(env);
    try {
      const response = await client.invokeSync(`127.0.0.1:${port}`, createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER), 5000);
      assert.equal(response.code, 0);
      assert.deepStrictEqual(decodeTopicList(response.body).topicList, []);
    } finally {
      client.shutdown();
      env.close();
    }
    assert.doesNotMatch(namesrv.stderr(), /unknown key/, "the deployer's alias keys are known");
    namesrv.child.kill("SIGTERM");
    assert.equal(await namesrv.exit, 0);
    assert.match(namesrv.stderr(), /namesrv shut down/);
  } finally {
    namesrv.child.kill("SIGKILL");
  }
});

test("a taken port is a clear message and exit code 2", { timeout: 60_000 }, async () => {
  const blocker = nodeNet.createServer();
  await new Promise<void>((done) => blocker.listen(0, "127.0.0.1", () => done()));
  const port = (blocker.address() as nodeNet.AddressInfo).port;
  try {
    const namesrv = run(["-c", writeConf(port)]);
    assert.equal(await namesrv.exit, 2);
    assert.match(namesrv.stderr(), new RegExp(`cannot listen on 127.0.0.1:${port}: address already in use \\(EADDRINUSE\\)`));
  } finally {
    await new Promise<void>((done) => blocker.close(() => done()));
  }
});

test("-p prints the effective config; a malformed value names file:line", { timeout: 60_000 }, async () => {
  const printed = run(["-c", writeConf(12345), "-p"]);
  assert.equal(await printed.exit, 0);
  assert.match(printed.stdout(), /^listenPort=12345$/m);
  assert.match(printed.stdout(), /^scanNotActiveBrokerIntervalMs=1000$/m);
  const bad = join(dir, "bad.properties");
  writeFileSync(bad, "# comment\nlistenPort=nope\n");
  const failed = run(["-c", bad]);
  assert.equal(await failed.exit, 2);
  assert.match(failed.stderr(), new RegExp(`${bad.replace(/[.]/g, "\\.")}:2: listenPort=nope: expected an integer`));
});
