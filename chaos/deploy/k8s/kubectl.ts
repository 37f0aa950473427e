// The k8s deployer reaches the cluster only through this small command runner, so a test can
// put a fake `kubectl` in its place (a script that records its calls and serves canned Job
// logs: testing/fake_kubectl.sh). `processKubectl` runs the real binary (KUBECTL, default
// `kubectl` on PATH) against the current context; objects go in as JSON on stdin
// (`apply -f -`). Every call has a timeout; a non-zero exit becomes an error carrying the
// command and the first line of its stderr, never a hang.
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlFollow {
  /** Resolves when the command ends (the followed container exited, or stop() was called). */
  done: Promise<KubectlResult>;
  stop(): void;
}

export interface KubectlRunner {
  run(args: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Runs a command whose stdout is read line by line while it runs (`logs -f`). */
  follow(args: readonly string[], onLine: (line: string) => void): KubectlFollow;
  /** Synchronous, best effort: for the exit handler (the namespace's deletion). */
  runSync(args: readonly string[]): void;
}

const defaultTimeoutMs = 120_000;

export function processKubectl(binary: string = process.env.KUBECTL ?? "kubectl"): KubectlRunner {
  return {
    run: (args, options = {}) => new Promise((resolve) => {
      const child = spawn(binary, args, { stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? defaultTimeoutMs);
      child.once("error", (error) => { clearTimeout(timer); resolve({ code: 127, stdout, stderr: `${binary}: ${error.message}` }); });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? 128, stdout, stderr: signal === "SIGKILL" ? `timed out after ${options.timeoutMs ?? defaultTimeoutMs} ms\n${stderr}` : stderr });
      });
      // A kubectl that exits before reading its input (an error) must not crash the lab: its
      // exit status and stderr say what went wrong.
      child.stdin?.on("error", (error) => (stderr += `stdin: ${error.message}\n`));
      child.stdin?.end(options.input);
    }),
    follow: (args, onLine) => {
      const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const lines = createInterface({ input: child.stdout });
      lines.on("line", onLine);
      const closed = new Promise<void>((resolve) => lines.once("close", resolve));
      const done = new Promise<KubectlResult>((resolve) => {
        child.once("error", (error) => resolve({ code: 127, stdout: "", stderr: `${binary}: ${error.message}` }));
        // Every line is delivered before done resolves.
        child.once("close", (code) => void closed.then(() => resolve({ code: code ?? 128, stdout: "", stderr })));
      });
      return { done, stop: () => void child.kill("SIGTERM") };
    },
    runSync: (args) => {
      try {
        execFileSync(binary, args, { stdio: "ignore", timeout: 30_000 });
      } catch {
        // Best effort at exit: there is nobody left to tell.
      }
    },
  };
}

/** Runs kubectl and returns its stdout; a failure throws "kubectl <args>: <stderr line>". */
export async function kubectl(runner: KubectlRunner, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await runner.run(args, options);
  if (result.code !== 0) {
    const reason = result.stderr.trim().split("\n")[0] || `exit ${result.code}`;
    throw new Error(`kubectl ${args.join(" ")}: ${reason}`);
  }
  return result.stdout;
}

/** A kubectl List of objects, for `apply -f -`. */
export function listOf(objects: readonly object[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
}
