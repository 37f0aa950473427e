// Test support for mqconsole: spawn the real CLI (Node 24 + tsx) on a free loopback port, wait
// for its "listening on" line, fetch pages and /metrics, and find or install Debian's prometheus
// and run it on loopback with a temp config. Every child is tracked so a test's finally can kill it.
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitFor } from "../../testing/processes.ts";

const mainEntry = fileURLToPath(new URL("../main.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const live = new Set<ChildProcess>();

export interface Spawned {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

function spawnTracked(command: string, args: string[], extraEnv: Record<string, string> = {}): Spawned {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on("exit", (code) => {
    live.delete(child);
    done(code);
  }));
  return { child, output: () => output, exit };
}

export function killConsoleChildren(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}

export async function startConsole(namesrvAddr: string, args: string[] = []): Promise<{ url: string; process: Spawned }> {
  const port = await freePort();
  const spawned = spawnTracked(process.execPath, ["--import", "tsx", mainEntry, "-n", namesrvAddr, "--port", String(port), ...args]);
  await waitFor(() => spawned.output().includes("listening on") || spawned.child.exitCode !== null, `mqconsole start (${spawned.output()})`, 30_000);
  if (spawned.child.exitCode !== null) throw new Error(`mqconsole exited: ${spawned.output()}`);
  return { url: `http://127.0.0.1:${port}`, process: spawned };
}

/** Stops a child with SIGTERM and waits for it (SIGKILL after 5 s). */
export async function stopChild(spawned: Spawned): Promise<number | null> {
  spawned.child.kill("SIGTERM");
  const timer = setTimeout(() => spawned.child.kill("SIGKILL"), 5_000);
  const code = await spawned.exit;
  clearTimeout(timer);
  return code;
}

/** The prometheus binary, installing Debian's package when missing; a string is why not (skip). */
export function ensurePrometheus(): { path: string } | string {
  const path = "/usr/bin/prometheus";
  if (existsSync(path)) return { path };
  if (process.getuid?.() !== 0) return `${path} not found and not root (apt-get install -y prometheus to run this test)`;
  try {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "prometheus"], { stdio: "ignore", timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (error) {
    return `apt-get install prometheus failed: ${(error as Error).message.split("\n")[0] ?? ""}`;
  }
  return existsSync(path) ? { path } : `apt-get install prometheus did not provide ${path}`;
}

/** Prometheus on 127.0.0.1 scraping the given targets every second, with a temp TSDB. */
export async function startPrometheus(binary: string, dir: string, targets: Record<string, string>): Promise<{ url: string; process: Spawned }> {
  const port = await freePort();
  mkdirSync(join(dir, "tsdb"), { recursive: true });
  const jobs = Object.entries(targets).map(([job, target]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ["${target}"]\n`).join("");
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}`);
  const spawned = spawnTracked(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`]);
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (spawned.child.exitCode !== null) throw new Error(`prometheus exited: ${spawned.output().slice(-2000)}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, process: spawned };
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 30_000) throw new Error(`prometheus not ready after 30 s: ${spawned.output().slice(-2000)}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
