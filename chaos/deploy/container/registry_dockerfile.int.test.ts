// The Dockerfile for machines with a registry (chaos/image/Dockerfile) is built here without
// one: its base (`FROM node:24-bookworm-slim`) is stood in for by a local image with that tag,
// built FROM scratch like the container deployer's node image — this machine's Node 24 and its
// shared libraries, plus what the official image gives the Dockerfile's steps: npm, /bin/sh,
// ln and env (and this machine's CA bundle, for a network that re-signs TLS). Then `docker
// build -f chaos/image/Dockerfile` runs as written (its `npm ci --omit=dev` fetches from the
// npm registry) on a context of just what it COPYs, and the image
// must run `mqlab list` (tsx and the runtime dependencies resolve without dev packages) and
// have mqnamesrv, mqbroker and mqadmin as commands. A real node:24-bookworm-slim already on
// the engine is used as is and left alone; everything the test tagged is removed. Container
// CI step only (MQLAB_CONTAINER_TESTS, `just test-container`); skipped when no engine answers.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { imageNodePath, projectRoot, sharedLibraries } from "./image.ts";
import { containerTestsSkip } from "./testing/skip.ts";

const run = promisify(execFile);
const skip = await containerTestsSkip();
const dockerfile = join(projectRoot, "chaos/image/Dockerfile");
/** npm as the official image has it: /usr/local/lib/node_modules/npm (this machine's copy). */
const npmDir = "/usr/lib/node_modules/npm";
const hostCaBundle = "/etc/ssl/certs/ca-certificates.crt";

async function imageExists(tag: string): Promise<boolean> {
  return run("docker", ["image", "inspect", tag]).then(() => true, () => false);
}

/** Copies a binary and the libraries it loads into the staged root filesystem. */
async function stageBinary(rootfs: string, source: string, target: string): Promise<void> {
  const files = [{ from: realpathSync(source), to: target }, ...(await sharedLibraries(source)).map((library) => ({ from: realpathSync(library), to: library }))];
  for (const file of files) {
    mkdirSync(join(rootfs, dirname(file.to)), { recursive: true });
    copyFileSync(file.from, join(rootfs, file.to));
    chmodSync(join(rootfs, file.to), 0o755);
  }
}

async function buildStandIn(tag: string, dir: string): Promise<void> {
  const rootfs = join(dir, "rootfs");
  await stageBinary(rootfs, process.execPath, imageNodePath);
  await stageBinary(rootfs, "/bin/sh", "/bin/sh");
  await stageBinary(rootfs, "/usr/bin/ln", "/bin/ln");
  await stageBinary(rootfs, "/usr/bin/env", "/usr/bin/env");
  cpSync(npmDir, join(rootfs, "usr/local/lib/node_modules/npm"), { recursive: true, dereference: true });
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(rootfs, "usr/local/bin/npm"));
  mkdirSync(join(rootfs, "tmp"), { recursive: true });
  chmodSync(join(rootfs, "tmp"), 0o1777);
  // This machine's trust store: its network may intercept TLS with a CA of its own, which a
  // real base image would not know but this machine's npm does.
  mkdirSync(join(rootfs, "etc/ssl/certs"), { recursive: true });
  copyFileSync(hostCaBundle, join(rootfs, "etc/ssl/certs/ca-certificates.crt"));
  writeFileSync(join(dir, "Dockerfile"), ["FROM scratch", "COPY rootfs/ /", "ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt", "LABEL mqlab.stand-in=1", ""].join("\n"));
  await run("docker", ["build", "-q", "-t", tag, dir], { maxBuffer: 64 << 20 });
}

/** What the Dockerfile COPYs, and nothing else (the repository holds runs, caches, .git). */
function stageContext(dir: string): void {
  for (const entry of ["package.json", "package-lock.json", "tsconfig.json", "system", "chaos", "scenarios", "reports"]) {
    cpSync(join(projectRoot, entry), join(dir, entry), { recursive: true, dereference: true });
  }
  copyFileSync(dockerfile, join(dir, "Dockerfile"));
}

test("the registry Dockerfile builds on a stand-in node:24-bookworm-slim: npm ci --omit=dev gives the bins what they need", { skip, timeout: 1_800_000 }, async () => {
  const base = /^FROM\s+(\S+)/m.exec(readFileSync(dockerfile, "utf8"))?.[1];
  assert.ok(base !== undefined, "the Dockerfile names its base");
  const tag = `mqlab-registry-dockerfile-test:${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), "mqlab-registry-dockerfile-"));
  const standIn = !(await imageExists(base));
  try {
    if (standIn) await buildStandIn(base, join(work, "base"));
    stageContext(join(work, "context"));
    // Host network: npm ci reaches the registry however the engine's bridge is set up.
    await run("docker", ["build", "--force-rm", "--network", "host", "-q", "-t", tag, join(work, "context")], { maxBuffer: 64 << 20 });
    const commands = (await run("docker", ["run", "--rm", "--entrypoint", "/bin/sh", tag, "-c", "for c in mqnamesrv mqbroker mqadmin mqlab; do [ -e /usr/local/bin/$c ] && echo $c; done"])).stdout.trim().split("\n");
    assert.deepEqual(commands, ["mqnamesrv", "mqbroker", "mqadmin", "mqlab"]);
    const devPackage = await run("docker", ["run", "--rm", "--entrypoint", "/bin/sh", tag, "-c", "[ -e /app/node_modules/c8 ] && echo present || echo absent"]);
    assert.equal(devPackage.stdout.trim(), "absent", "dev-only packages stay out (--omit=dev)");
    const listed = await run("docker", ["run", "--rm", tag, "mqlab", "list", "--json"], { maxBuffer: 16 << 20 });
    const scenarios = JSON.parse(listed.stdout) as { name: string }[];
    assert.ok(scenarios.some((scenario) => scenario.name === "smoke/1m/broker-crash"), `mqlab list ran in the image (${scenarios.length} scenarios)`);
  } finally {
    await run("docker", ["image", "rm", "-f", tag]).catch(() => undefined);
    if (standIn) await run("docker", ["image", "rm", "-f", base]).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
});
