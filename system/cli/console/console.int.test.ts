// mqconsole end to end: a real NameServer and broker (processes), the mqconsole CLI, and headless
// Chromium (playwright-core with Debian's /usr/bin/chromium) driving the pages as a person would:
// the cluster lists the broker; a topic created from the page (after its confirm dialog) shows up
// in `mqadmin topicList`; a message sent from the page with a key is found by key and by id; an
// unknown id says "Message not found"; a group's lag drains on the page while a consumer runs; the
// Lab lists a run and opens its report. Screenshots of each page go to reports/out/console/
// (gitignored). Skipped, saying how to enable it, without Chromium.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { AdminClient } from "../../client/admin/admin_client.ts";
import { PushConsumer } from "../../client/consumer/push_consumer.ts";
import { Producer } from "../../client/producer/producer.ts";
import type { ProcessCluster } from "../../client/test/worker_support.ts";
import { runMqadmin, startProcessCluster, waitUntil } from "../../client/test/worker_support.ts";
import { createRealEnv } from "../../env/real/index.ts";
import { killConsoleChildren, startConsole, stopChild } from "./testing/console_fixture.ts";
import type { Spawned } from "./testing/console_fixture.ts";

const chromiumPath = "/usr/bin/chromium";
const skip = existsSync(chromiumPath) ? false : `${chromiumPath} not found (apt-get install -y chromium to run this test)`;
const shotsDir = fileURLToPath(new URL("../../../reports/out/console/", import.meta.url));

const env = createRealEnv({ nodeName: "console-int", logLevel: "silent" });
let cluster: ProcessCluster;
let consoleProcess: Spawned;
let baseUrl: string;
let admin: AdminClient;
let producer: Producer;
let browser: BrowserContext;
let page: Page;
let reportsDir: string;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
}

async function visit(path: string): Promise<void> {
  const response = await page.goto(`${baseUrl}${path}`);
  assert.equal(response?.status(), 200, `GET ${path}`);
}

/** A lab run as the runner writes it (only the fields the Lab page reads). */
function fakeRun(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "result.json"), JSON.stringify({ scenario: "1m/broker-crash", deployer: "sim", seed: 7, verdict: "pass", startedAt: "2026-01-01T00:00:00Z",
    counts: { sent: 120, acked: 118, consumed: 118, lost: 0, duplicated: 3 } }));
  writeFileSync(join(dir, "report.html"), "<!doctype html><title>report</title><h1 id=\"fake-report\">fake run report</h1>");
}

before(async () => {
  mkdirSync(shotsDir, { recursive: true });
  reportsDir = mkdtempSync(join(tmpdir(), "mqconsole-reports-"));
  fakeRun(join(reportsDir, "suite-ci", "1m__broker-crash--seed-7"));
  cluster = await startProcessCluster(["broker-a"]);
  const started = await startConsole(cluster.namesrvAddr, ["--reports", reportsDir]);
  consoleProcess = started.process;
  baseUrl = started.url;
  admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr });
  admin.start();
  producer = new Producer(env, { namesrvAddr: cluster.namesrvAddr, producerGroup: "ConsoleIntProducer" });
  await producer.start();
  if (skip !== false) return;
  const { chromium } = await import("playwright-core");
  const userDataDir = mkdtempSync(join(tmpdir(), "mqconsole-chromium-"));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath, headless: true, viewport: { width: 1280, height: 800 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
});

after(async () => {
  await browser?.close();
  await producer?.shutdown();
  admin?.shutdown();
  if (consoleProcess !== undefined) assert.equal(await stopChild(consoleProcess), 0, "mqconsole exits 0 on SIGTERM");
  killConsoleChildren();
  await cluster?.stop();
  rmSync(reportsDir, { recursive: true, force: true });
  env.close();
});

test("cluster page lists the broker", { skip, timeout: 60_000 }, async () => {
  await visit("/");
  const brokers = await page.locator("#brokers").innerText();
  assert.match(brokers, /DefaultCluster\s+broker-a\s+0\s+ASYNC_MASTER\s+127\.0\.0\.1:\d+\s+V4_9_7/);
  await shot("cluster");
  await page.locator("#brokers a", { hasText: "config" }).click();
  assert.match(await page.locator("#broker-config").innerText(), /brokerName\s+broker-a/);
  await shot("broker-config");
});

test("a topic created from the page appears in mqadmin topicList; a message sent with a key is found by key and by id", { skip, timeout: 90_000 }, async () => {
  await visit("/topics");
  await page.fill("input[name=topic]", "ConsoleTopic");
  await page.fill("input[name=writeQueueNums]", "4");
  await page.fill("input[name=readQueueNums]", "4");
  await page.getByRole("button", { name: "Create / update" }).click();
  assert.match(await page.getByRole("status").innerText(), /create topic ConsoleTopic on 127\.0\.0\.1:\d+ success/);
  const list = await runMqadmin(["topicList", "-n", cluster.namesrvAddr, "--json"]);
  assert.equal(list.code, 0, list.stderr);
  assert.ok((JSON.parse(list.stdout) as string[]).includes("ConsoleTopic"), list.stdout);

  await page.getByRole("link", { name: "open ConsoleTopic" }).click();
  assert.equal(await page.locator("#queue-offsets tbody tr").count(), 4);
  await page.fill("input[name=keys]", "console-key-1");
  await page.fill("input[name=body]", "hello from the page");
  await page.getByRole("button", { name: "Send" }).click();
  assert.match(await page.getByRole("status").innerText(), /send SEND_OK/);
  const offsetMsgId = (await page.locator("#send-result tbody td").nth(4).innerText()).trim();
  assert.match(offsetMsgId, /^[0-9A-F]{32}$/);
  await shot("topic-send");

  await visit(`/messages?topic=ConsoleTopic&key=console-key-1&by=key`);
  assert.match(await page.locator("#messages").innerText(), /ConsoleTopic[\s\S]*console-key-1[\s\S]*hello from the page/);
  await shot("messages-by-key");
  await visit(`/message?id=${offsetMsgId}`);
  assert.equal(await page.locator("#body").innerText(), "hello from the page");
  assert.match(await page.locator("#properties").innerText(), /KEYS\s+console-key-1/);
  await page.getByRole("link", { name: "show hex" }).click();
  assert.match(await page.locator("#body").innerText(), /68 65 6c 6c 6f/);
  await shot("message");

  await visit("/topics");
  assert.ok((await page.locator("#topics").innerText()).includes("ConsoleTopic"));
  await shot("topics");
});

test("an unknown message id shows a clear not found", { skip, timeout: 30_000 }, async () => {
  const brokerAddr = cluster.brokers.get("broker-a")!.addr;
  const port = Number(brokerAddr.split(":")[1]);
  const unknownId = `7F000001${port.toString(16).toUpperCase().padStart(8, "0")}00000000FFFFFFF0`;
  await visit(`/message?id=${unknownId}`);
  assert.equal(await page.locator("#not-found").innerText(), "Message not found");
  assert.match(await page.getByRole("alert").innerText(), /code 1\b.*can not find message/);
  await shot("message-not-found");
  await visit("/message?id=not-an-id");
  assert.equal(await page.locator("#not-found").innerText(), "Message not found");
  assert.doesNotMatch(await page.content(), /at \w+ \(|\.ts:\d+/, "no stack trace on the page");
});

test("a consumer group's lag shown on the page drains as a consumer runs", { skip, timeout: 120_000 }, async () => {
  await admin.createTopic({ topic: "ConsoleLagTopic", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  const consumer = new PushConsumer(env, {
    namesrvAddr: cluster.namesrvAddr, consumerGroup: "ConsoleLagGroup", consumeThreadMax: 1, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    rebalanceIntervalMs: 1000, heartbeatBrokerIntervalMs: 1000, heartbeatFirstDelayMs: 100, persistConsumerOffsetIntervalMs: 300, pollNameServerIntervalMs: 1000,
  });
  consumer.subscribe("ConsoleLagTopic", "*");
  let paused = true;
  consumer.registerMessageListenerConcurrently(async () => {
    while (paused) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 40));
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  try {
    await waitUntil("queues held", () => consumer.assignedQueues().filter((mq) => mq.topic === "ConsoleLagTopic").length === 2);
    for (let i = 0; i < 150; i++) await producer.send({ topic: "ConsoleLagTopic", body: `lag-${i}` });
    const lagOnPage = async (): Promise<number> => {
      await visit("/consumer?group=ConsoleLagGroup");
      return Number(await page.locator("#total-lag").innerText());
    };
    // GET_CONSUME_STATS without a topic lists the topics the group has committed an offset on
    // (4.9.x whichTopicByConsumer); the paused consumer commits offset 0 at its next persist
    // tick, which 150 fast sends can beat, so the page is read until the lag is there.
    const lags = [await lagOnPage()];
    const lagDeadline = Date.now() + 20_000;
    while (lags[0]! < 140 && Date.now() < lagDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      lags[0] = await lagOnPage();
    }
    assert.ok(lags[0]! >= 140, `initial lag ${lags[0]}`);
    const rows = (await page.locator("#queue-progress tbody tr").allInnerTexts()).filter((row) => row.startsWith("ConsoleLagTopic"));
    assert.equal(rows.length, 2);
    for (const row of rows) assert.match(row, /\t127\.0\.0\.1@\S+$/, `the client running each queue: ${row}`);
    await shot("consumer-lag");
    await visit("/consumers");
    assert.match(await page.locator("#groups").innerText(), /ConsoleLagGroup\s+\d+/);
    await shot("consumers");
    paused = false;
    while (lags[lags.length - 1]! > 0 && lags.length < 200) lags.push(await lagOnPage());
    assert.equal(lags[lags.length - 1], 0, `lags ${lags.join(" ")}`);
    assert.ok(lags.some((lag) => lag > 0 && lag < lags[0]!), `the page showed a partial drain: ${lags.join(" ")}`);
    assert.match(await page.locator("#clients").innerText(), /ConsoleLagGroup|@/);
    await shot("consumer-drained");
  } finally {
    paused = false; // a failed assertion must not leave the listener spinning (it would keep the file alive)
    await consumer.shutdown();
  }
});

test("reset offset shows the new offsets or the broker's code and remark; producers page", { skip, timeout: 150_000 }, async () => {
  await visit("/consumer?group=ConsoleLagGroup");
  await page.getByRole("button", { name: "Reset" }).click();
  const text = await page.locator("main").innerText();
  // Either the broker supports INVOKE_BROKER_TO_RESET_OFFSET (a table of new offsets) or it says so with code + remark.
  assert.ok(/reset ConsoleLagGroup on ConsoleLagTopic/.test(text) || /\(code \d+\)( from \S+)?: .+/.test(text), text);
  await shot("consumer-reset");
  // A producer is known to a broker from its first heartbeat to it, which comes at the next
  // heartbeat tick (30 s) after it learned the broker's route (4.9.x does the same).
  const deadline = Date.now() + 60_000;
  do {
    await visit("/producers?group=ConsoleIntProducer&topic=ConsoleTopic");
    if (await page.locator("#producers").count() > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  } while (Date.now() < deadline);
  assert.match(await page.locator("#producers").innerText(), /@/);
  await shot("producers");
});

test("the Lab lists runs and opens a run's report", { skip, timeout: 30_000 }, async () => {
  await visit("/lab");
  assert.match(await page.locator("#runs").innerText(), /suite-ci\s+1m\/broker-crash\s+sim\s+7\s+pass\s+120\s+118\s+118\s+0\s+3/);
  assert.match(await page.locator("#suites").innerText(), /suite-ci\s+1/);
  await shot("lab");
  await page.getByRole("link", { name: "report" }).click();
  assert.equal(await page.locator("#fake-report").innerText(), "fake run report");
  const escape = await page.goto(`${baseUrl}/lab/file/..%2F..%2Fetc%2Fpasswd`);
  assert.equal(escape?.status(), 404);
});

test("a simulator run started from the Lab page can be watched until its report opens", { skip, timeout: 240_000 }, async () => {
  await visit("/lab");
  await page.fill("input[name=scenario]", "1m/no-fault");
  await page.fill("input[name=seed]", "3");
  await page.getByRole("button", { name: "Start run" }).click();
  assert.match(await page.getByRole("status").innerText(), /started job #1/);
  await page.getByRole("link", { name: "watch its progress" }).click();
  assert.match(await page.locator("#job-state").innerText(), /1m\/no-fault seed 3: (running|finished)/);
  await shot("lab-job-running");
  const started = Date.now();
  while (!/finished/.test(await page.locator("#job-state").innerText())) {
    assert.ok(Date.now() - started < 200_000, "the run finishes");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await visit("/lab/job?id=1");
  }
  assert.match(await page.locator("#job-state").innerText(), /finished with exit code 0/, await page.locator("#job-output").innerText());
  assert.match(await page.locator("#job-output").innerText(), /running 1m\/no-fault on sim, seed 3/);
  await shot("lab-job-finished");
  await page.getByRole("link", { name: "open report.html" }).click();
  assert.match(await page.locator("#verdict").innerText(), /PASS/);
  await visit("/lab");
  assert.match(await page.locator("#runs").innerText(), /console\s+1m\/no-fault\s+sim\s+3\s+pass/);
});
