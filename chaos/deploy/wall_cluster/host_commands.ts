// Running the host's tools (ip, nft) and probing what this machine allows: root, network
// namespaces, nftables. Every call reports the tool's own stderr on failure, so a refused
// operation explains itself.
import { execFile, execFileSync } from "node:child_process";

export class HostCommandError extends Error {
  constructor(argv: readonly string[], detail: string, options?: { cause?: unknown }) {
    super(`${argv.join(" ")}: ${detail.trim()}`, options);
    this.name = "HostCommandError";
  }
}

export function runCommand(argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error("empty command"));
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? 15_000, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new HostCommandError(argv, stderr || error.message, { cause: error }));
      else resolve(stdout);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** For exit handlers, where nothing asynchronous runs any more. Never throws. */
export function runCommandSyncQuiet(argv: readonly string[]): boolean {
  const [file, ...args] = argv;
  if (file === undefined) return false;
  try {
    execFileSync(file, args, { stdio: "ignore", timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

export type NetnsSupport = { available: true } | { available: false; why: string };

let cachedSupport: Promise<NetnsSupport> | undefined;

/** Whether runs can get their own network namespace with an nftables packet filter. */
export function netnsSupport(): Promise<NetnsSupport> {
  cachedSupport ??= probeNetnsSupport();
  return cachedSupport;
}

async function probeNetnsSupport(): Promise<NetnsSupport> {
  if (process.platform !== "linux") return { available: false, why: `network namespaces are Linux only (this is ${process.platform})` };
  if (process.getuid?.() !== 0) {
    return { available: false, why: "creating network namespaces and packet filter rules needs root (run as root, or accept crash/pause faults only)" };
  }
  try {
    await runCommand(["ip", "netns", "list"]);
  } catch (error) {
    return { available: false, why: `"ip netns" is not usable (install iproute2): ${(error as Error).message}` };
  }
  try {
    await runCommand(["nft", "--version"]);
  } catch (error) {
    return { available: false, why: `nftables is missing (as root: apt-get install nftables): ${(error as Error).message}` };
  }
  return { available: true };
}
