// The image users run (`just image`) and a topology's compose file: builds mqlab:<version>,
// starts 2m-2s-sync with Debian's docker-compose on a free host port, and `mqadmin
// clusterList` from the host must list the four brokers (two masters, two slaves); then
// `docker-compose down -v` removes the containers, network and store volumes, and the test
// checks none is left. Runs in the container CI step (MQLAB_CONTAINER_TESTS, `just
// test-container`); skipped when no engine answers otherwise.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../../system/cli/testing/processes.ts";
import { projectRoot } from "./image.ts";
import { containerTestsSkip } from "./testing/skip.ts";
import { buildUserImage } from "../../image/build_image.ts";
import { composePath } from "../../image/compose.ts";

const run = promisify(execFile);
const skip = await containerTestsSkip();

test("just image + docker-compose up 2m-2s-sync: clusterList from the host shows four brokers; down -v leaves nothing", { skip, timeout: 900_000 }, async () => {
  const built = await buildUserImage();
  assert.ok(built.commands.includes("mqbroker") && built.commands.includes("mqnamesrv") && built.commands.includes("mqadmin"));
  const file = composePath("2m-2s-sync");
  const project = `mqlab-compose-test-${process.pid}`;
  const env = { ...process.env, MQLAB_NAMESRV_1_PORT: String(await freePort()), MQLAB_NAMESRV_2_PORT: String(await freePort()) };
  const compose = (...args: string[]): Promise<{ stdout: string }> => run("docker-compose", ["-p", project, "-f", file, ...args], { env, cwd: dirname(file) });
  try {
    await compose("up", "-d");
    let listing = "";
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      try {
        listing = (await run(process.execPath, ["--import", "tsx", join(projectRoot, "system/cli/mqadmin.ts"), "clusterList", "-n", `127.0.0.1:${env.MQLAB_NAMESRV_1_PORT}`], { cwd: projectRoot })).stdout;
      } catch (error) {
        listing = String((error as { stdout?: string }).stdout ?? "");
      }
      if (["broker-a", "broker-b"].every((name) => (listing.match(new RegExp(`\\b${name}\\b`, "g")) ?? []).length >= 2)) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    process.stdout.write(listing);
    for (const name of ["broker-a", "broker-b"]) assert.ok((listing.match(new RegExp(`\\b${name}\\b`, "g")) ?? []).length >= 2, `${name}: master and slave listed\n${listing}`);
  } finally {
    await compose("down", "-v", "--remove-orphans");
    await run("docker", ["image", "rm", built.tag]).catch(() => undefined);
  }
  const left = (await run("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])).stdout.trim()
    + (await run("docker", ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${project}`])).stdout.trim()
    + (await run("docker", ["network", "ls", "-q", "--filter", `label=com.docker.compose.project=${project}`])).stdout.trim();
  assert.equal(left, "", "no container, volume or network of the project is left");
});
