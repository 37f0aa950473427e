// Real processes: mqnamesrv, a SYNC_MASTER and its SLAVE started through the CLIs on loopback
// (the slave finds the master's HA port through the NameServer). mqadmin clusterList --json
// lists both with their replication state; SEND_OK means the slave has the bytes; the slave
// serves pulls after the master is killed. Children are always killed in finally.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { decodeRecords, propertiesString, RawRemotingClient } from "../cli/testing/raw_remoting_client.ts";
import { freeHaBrokerPort, killAll, startBroker, startNamesrv, writeBrokerConf } from "../cli/testing/processes.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));


function mqadmin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "system/cli/mqadmin.ts"), ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

interface ClusterRow {
  brokerName: string;
  brokerId: number;
  addr: string;
  runtime: Record<string, string> | null;
}

async function clusterList(namesrvAddr: string): Promise<ClusterRow[]> {
  const result = await mqadmin(["clusterList", "--json", "-n", namesrvAddr]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ClusterRow[];
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 300));
  }
}

test("SYNC_MASTER + SLAVE as real processes: clusterList shows both, SEND_OK means replicated, the slave serves pulls after the master dies", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-ha-int-"));
  try {
    const namesrv = await startNamesrv(dir);
    const namesrvAddr = `127.0.0.1:${namesrv.port}`;
    const masterPort = await freeHaBrokerPort();
    const common = { namesrvAddr, registerNameServerPeriod: 2000, slaveSyncIntervalMs: 1000, haSendHeartbeatInterval: 1000 };
    const masterProcess = await startBroker(writeBrokerConf(dir, masterPort, { ...common, brokerRole: "SYNC_MASTER", flushDiskType: "SYNC_FLUSH" }));
    const slavePort = await freeHaBrokerPort();
    const slave = await startBroker(writeBrokerConf(dir, slavePort, { ...common, brokerId: 1, brokerRole: "SLAVE" }));
    assert.match(slave.stdout(), /boot success/);

    const rows = await eventually("the slave connected to the master's HA port", async () => {
      const listed = await clusterList(namesrvAddr);
      const slaveRow = listed.find((row) => row.brokerId === 1);
      return slaveRow?.runtime?.["haClientConnected"] === "true" ? listed : undefined;
    });
    assert.deepEqual(rows.map((row) => [row.brokerName, row.brokerId, row.addr]), [
      ["broker-a", 0, `127.0.0.1:${masterPort}`], ["broker-a", 1, `127.0.0.1:${slavePort}`],
    ]);
    assert.equal(rows[0]?.runtime?.["brokerRole"], "SYNC_MASTER");
    assert.equal(rows[1]?.runtime?.["brokerRole"], "SLAVE");
    assert.equal(rows[1]?.runtime?.["haMasterAddress"], `127.0.0.1:${masterPort + 1}`, "HA address from the REGISTER_BROKER reply");

    const master = await RawRemotingClient.connect(masterPort);
    const reader = await RawRemotingClient.connect(slavePort);
    try {
      for (let index = 0; index < 20; index++) {
        const sent = await master.request(310, {
          a: "ha-int", b: "HaTopic", c: "TBW102", d: 4, e: 0, f: 0, g: Date.now(), h: 0, i: propertiesString({ TAGS: "T" }), j: 0, k: false,
        }, Buffer.from(`replicated-${index}`, "utf8"));
        assert.equal(sent.code, 0, `SEND_OK expected, got ${sent.code} ${sent.remark ?? ""}`);
      }
      const replicated = await clusterList(namesrvAddr);
      assert.equal(replicated[0]?.runtime?.["haConnectionCount"], "1");
      assert.equal(replicated[1]?.runtime?.["commitLogMaxOffset"], replicated[0]?.runtime?.["commitLogMaxOffset"], "the slave has every acked byte");

      await eventually("the slave synced the topic config (SlaveSynchronize)", async () => {
        const topics = await reader.request(21);
        return topics.body.toString("utf8").includes("HaTopic") ? true : undefined;
      });
      masterProcess.child.kill("SIGKILL");
      await masterProcess.exit;
      const pulled = await eventually("the slave serving the topic", async () => {
        const response = await reader.request(11, {
          consumerGroup: "ha-int-group", topic: "HaTopic", queueId: 0, queueOffset: 0, maxMsgNums: 32, sysFlag: 4, commitOffset: 0,
          suspendTimeoutMillis: 0, subscription: "*", subVersion: 0,
        });
        return response.code === 0 ? response : undefined;
      }, 10_000);
      const bodies = decodeRecords(pulled.body).map((record) => record.body);
      assert.deepEqual(bodies, Array.from({ length: 20 }, (_, index) => `replicated-${index}`));
      assert.equal(pulled.extFields["suggestWhichBrokerId"], "0");
    } finally {
      master.close();
      reader.close();
    }
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
