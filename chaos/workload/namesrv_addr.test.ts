import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveNamesrvAddr } from "./namesrv_addr.ts";

test("node names resolve to the cluster's addresses, a port override keeps the host, others pass through", () => {
  const cluster = "10.0.1.1:9876;10.0.1.2:9877";
  assert.equal(resolveNamesrvAddr("namesrv-2", cluster), "10.0.1.2:9877");
  assert.equal(resolveNamesrvAddr("namesrv-1:9999; namesrv-2", cluster), "10.0.1.1:9999;10.0.1.2:9877");
  assert.equal(resolveNamesrvAddr("192.0.2.7:9876", cluster), "192.0.2.7:9876");
  assert.throws(() => resolveNamesrvAddr("namesrv-3", cluster), /2 NameServer/);
});
