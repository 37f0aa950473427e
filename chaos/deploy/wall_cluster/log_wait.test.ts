import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { slaveConnectedLine, waitForLogLine } from "./log_wait.ts";

function tempLog(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-log-wait-"));
  return { path: join(dir, "node.log"), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("a line already in the log, or one written later in pieces, is found", async () => {
  const log = tempLog();
  try {
    writeFileSync(log.path, '{"msg":"boot"}\n{"component":"ha-client","msg":"connected to master"}\n');
    assert.equal(await waitForLogLine({ logPath: log.path, line: slaveConnectedLine, deadlineMs: 1_000, pollMs: 5 }), true);
    writeFileSync(log.path, '{"msg":"boot"}\n');
    const waiting = waitForLogLine({ logPath: log.path, line: slaveConnectedLine, deadlineMs: 5_000, pollMs: 5 });
    setTimeout(() => appendFileSync(log.path, '{"msg":"connec'), 20);
    setTimeout(() => appendFileSync(log.path, 'ted to master"}\n'), 60);
    assert.equal(await waiting, true);
  } finally {
    log.done();
  }
});

test("no match by the deadline, a missing file, or a stopped process answers false", async () => {
  const log = tempLog();
  try {
    assert.equal(await waitForLogLine({ logPath: log.path, line: slaveConnectedLine, deadlineMs: 50, pollMs: 5 }), false);
    writeFileSync(log.path, '{"msg":"HA connection to master down; will retry"}\n');
    assert.equal(await waitForLogLine({ logPath: log.path, line: slaveConnectedLine, deadlineMs: 50, pollMs: 5 }), false);
    const startMs = performance.now();
    assert.equal(await waitForLogLine({ logPath: log.path, line: slaveConnectedLine, deadlineMs: 10_000, pollMs: 5, stillRunning: () => false }), false);
    assert.ok(performance.now() - startMs < 1_000);
  } finally {
    log.done();
  }
});
