// Opens a rendered failing report in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) and checks what a person would see: the verdict banner, the lost id in the
// evidence, fault shading in the timeline SVG, no network requests. Saves a screenshot under
// reports/out/ (gitignored). Skipped, with a message saying how to enable it, when Chromium is
// not installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { renderReport } from "./html.ts";
import { lostId, runFixture } from "./testing/fixtures.ts";

const chromiumPath = "/usr/bin/chromium";
const outDirectory = join(dirname(fileURLToPath(import.meta.url)), "out");
const skip = existsSync(chromiumPath) ? false : `${chromiumPath} not found (apt-get install -y chromium to run this test)`;

test("a failing report in headless Chromium: banner, evidence, fault shading, screenshot", { skip, timeout: 120_000 }, async () => {
  const { chromium } = await import("playwright-core");
  const { result, history } = runFixture(true);
  mkdirSync(outDirectory, { recursive: true });
  const reportPath = join(outDirectory, "browser-failing-report.html");
  writeFileSync(reportPath, renderReport(result, history));
  const userDataDir = mkdtempSync(join(tmpdir(), "mqlab-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = await context.newPage();
    const requests: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) requests.push(request.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(reportPath).href);
    const banner = (await page.locator("#verdict").innerText()).replace(/\s+/g, " ");
    assert.match(banner, /^FAIL Failed checks: delivery, rebalance/);
    const evidence = await page.locator("#check-delivery table.lost").innerText();
    assert.ok(evidence.includes(lostId), evidence);
    assert.ok(await page.locator("#check-delivery table.lost").isVisible());
    const shades = page.locator("svg#timeline rect.fault-shade");
    assert.equal(await shades.count(), 1);
    const box = await shades.first().boundingBox();
    assert.ok(box !== null && box.width > 50, `fault band ${JSON.stringify(box)}`);
    assert.equal(await page.locator("svg#timeline text.fault-label").first().textContent(), "crash broker-a");
    assert.ok(await page.locator("#assignment rect.double-held").count() >= 1);
    assert.equal(await page.locator("#replay").innerText(), result.replay);
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: join(outDirectory, "browser-failing-report.png"), fullPage: true });
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
