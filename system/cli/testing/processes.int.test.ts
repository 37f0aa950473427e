// The real-process helpers pass MQLAB_SERVER_NODE_ARGS to the servers they start, and stop a
// profiled server gracefully so it writes its profile (a SIGKILLed process writes none).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNamesrv, stopAll } from "./processes.ts";

test("MQLAB_SERVER_NODE_ARGS=--cpu-prof: the NameServer runs profiled and killAll lets it write the profile", { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-processes-"));
  const profileDir = join(dir, "profiles");
  const before = process.env["MQLAB_SERVER_NODE_ARGS"];
  process.env["MQLAB_SERVER_NODE_ARGS"] = `--cpu-prof --cpu-prof-dir=${profileDir}`;
  try {
    const namesrv = await startNamesrv(dir);
    assert.ok(namesrv.process.child.pid !== undefined);
    await stopAll();
    assert.equal(await namesrv.process.exit, 0, "stopped by SIGTERM, exits 0 after its shutdown");
    const profiles = readdirSync(profileDir).filter((name) => name.endsWith(".cpuprofile"));
    assert.equal(profiles.length, 1, `profiles: ${profiles.join(", ")}`);
  } finally {
    if (before === undefined) delete process.env["MQLAB_SERVER_NODE_ARGS"];
    else process.env["MQLAB_SERVER_NODE_ARGS"] = before;
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
