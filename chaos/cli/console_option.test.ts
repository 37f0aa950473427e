import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { freePort } from "../../system/cli/testing/processes.ts";
import type { Cluster, Deployer } from "../deploy/types.ts";
import { withConsole } from "./console_option.ts";

function fakeDeployer(namesrvAddr: string): Deployer {
  return {
    name: "process",
    supports: () => ({ supported: true }) as never,
    deploy: () => Promise.resolve({ namesrvAddr: () => namesrvAddr } as unknown as Cluster),
  };
}

async function waitForLine(lines: string[], pattern: RegExp, timeoutMs: number): Promise<string | undefined> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const found = lines.find((line) => pattern.test(line));
    if (found !== undefined) return found;
    await new Promise((done) => setTimeout(done, 50));
  }
  return undefined;
}

test("--console: a reachable run gets a console whose URL is printed; an unreachable one says why", { timeout: 60_000 }, async () => {
  const namesrvPort = await freePort();
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((done) => server.listen(namesrvPort, "127.0.0.1", done));
  const lines: string[] = [];
  const consolePort = await freePort();
  const watch = withConsole(fakeDeployer(`127.0.0.1:${namesrvPort}`), consolePort, (line) => lines.push(line));
  try {
    await watch.deployer.deploy({} as never, {} as never);
    const line = await waitForLine(lines, /console for this run/, 30_000);
    assert.equal(line, `mqlab: console for this run: http://127.0.0.1:${consolePort}\n`);
    assert.equal((await fetch(`http://127.0.0.1:${consolePort}/healthz`)).status, 200);
  } finally {
    watch.stop();
    server.close();
  }
  const closedPort = await freePort();
  const unreachable = withConsole(fakeDeployer(`127.0.0.1:${closedPort}`), 0, (line) => lines.push(line));
  await unreachable.deployer.deploy({} as never, {} as never);
  assert.ok(lines.some((line) => line.includes(`NameServer 127.0.0.1:${closedPort} is not reachable`)), lines.join(""));
  unreachable.stop();
});
