// 4.9.7's diskUtil text: used fractions (not percentages) formatted as Java's "%5.2f", -1 for a
// path that does not exist or cannot be measured; and the SERVICE_NOT_AVAILABLE remark that
// carries it, as a slave answers a send.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Env } from "../../env/env.ts";
import { ResponseCode } from "../../remoting/index.ts";
import { diskUtil } from "./disk_util.ts";
import { withProcessorWorld } from "./testing/processor_world.ts";

function envWith(paths: Record<string, { totalBytes: number; freeBytes: number } | "throws">): Env {
  const warnings: string[] = [];
  return {
    disk: {
      exists: (path: string) => path in paths,
      space: (path: string) => {
        const space = paths[path];
        if (space === undefined || space === "throws") throw new Error(`statfs ${path}`);
        return space;
      },
    },
    log: { warn: (message: string) => void warnings.push(message) },
  } as unknown as Env;
}

test("diskUtil: CL, CQ and INDEX as Java's %5.2f of the used fraction; -1.00 when missing or unmeasurable", () => {
  const env = envWith({
    "/s/commitlog": { totalBytes: 1000, freeBytes: 580 },
    "/s/consumequeue": { totalBytes: 1000, freeBytes: 0 },
    "/s/index": "throws",
  });
  assert.equal(diskUtil(env, "/s/commitlog", "/s"), "CL:  0.42 CQ:  1.00 INDEX: -1.00");
  assert.equal(diskUtil(envWith({}), "/s/commitlog", "/s"), "CL: -1.00 CQ: -1.00 INDEX: -1.00");
  assert.equal(diskUtil(envWith({ "/s/commitlog": { totalBytes: 0, freeBytes: 0 } }), "/s/commitlog", "/s").slice(0, 9), "CL: -1.00");
});

test("a slave refuses a send with 4.9.7's exact SERVICE_NOT_AVAILABLE remark, disk usage in brackets", () => withProcessorWorld({ config: { brokerRole: "SLAVE" } }, async (pw) => {
  const refused = await pw.send("SlaveT", "x");
  assert.equal(refused.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  const usage = diskUtil(pw.broker.env, pw.config.storePathCommitLog, pw.config.storePathRootDir);
  assert.match(usage, /^CL: [ -]\d\.\d\d CQ: [ -]\d\.\d\d INDEX: [ -]\d\.\d\d$/);
  assert.equal(refused.remark, "service not available now. It may be caused by one of the following reasons: "
    + `the broker's disk is full [${usage}], messages are put to the slave, message store has been shut down, etc.`);
}));
