// Installs (Debian packages, only when missing) and runs the peer servers of the side-by-side
// benchmark on loopback: NATS with JetStream and Redis with an append-only file. Every server
// gets a fresh data directory and is stopped by its own pid (SIGTERM, then SIGKILL).
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, rmSync } from "node:fs";
import * as nodeNet from "node:net";
import { join } from "node:path";

export const HOST = "127.0.0.1";

function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** apt-get installs the packages whose binaries are missing; returns what is still missing. */
export function ensureInstalled(wanted: { binary: string; aptPackage: string }[]): string[] {
  const missing = wanted.filter((item) => !hasCommand(item.binary));
  if (missing.length > 0 && hasCommand("apt-get")) {
    console.error(`installing ${missing.map((item) => item.aptPackage).join(" ")} with apt-get`);
    const install = (): void => {
      execFileSync("apt-get", ["install", "-y", "-qq", ...missing.map((item) => item.aptPackage)], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    };
    try {
      install();
    } catch {
      // A fresh machine has no package lists yet; without root both fail and the caller skips.
      try {
        execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
        install();
      } catch {
        console.error("apt-get could not install them (not root, or no network)");
      }
    }
  }
  return wanted.filter((item) => !hasCommand(item.binary)).map((item) => item.binary);
}

export function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args).toString().trim().split("\n")[0]!;
  } catch {
    return "n/a";
  }
}

export interface RunningServer {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

async function waitPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = nodeNet.connect(port, HOST, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const running = new Set<ChildProcess>();

/** SIGKILLs every server still running (exit handlers). */
export function killAllServers(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

export async function startServer(name: string, command: string, args: string[], port: number, dataDir: string): Promise<RunningServer> {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const out = openSync(join(dataDir, "stdout.log"), "a");
  const child = spawn(command, args, { stdio: ["ignore", out, out] });
  closeSync(out);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitPort(port, 30_000);
  return {
    name,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function startNats(port: number, dataDir: string): Promise<RunningServer> {
  return startServer("nats", "nats-server", ["-a", HOST, "-p", String(port), "-js", "-sd", join(dataDir, "js")], port, dataDir);
}

export function startRedis(port: number, dataDir: string, appendfsync: "everysec" | "always"): Promise<RunningServer> {
  return startServer(`redis-${appendfsync}`, "redis-server", [
    "--bind", HOST, "--port", String(port), "--dir", dataDir, "--appendonly", "yes", "--appendfsync", appendfsync,
    "--save", "", "--auto-aof-rewrite-percentage", "0", "--daemonize", "no",
  ], port, dataDir);
}
