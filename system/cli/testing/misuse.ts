// Table-driven CLI misuse checks shared by the system/ and chaos/ CLI tests: run a CLI entry with
// bad arguments (a few at a time), then hold it to the boundary's rule (system/cli/cli_boundary.ts):
// exit 2, exactly one line on stderr matching the case's pattern, no stack trace.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

export interface MisuseCase {
  /** What the case tries, e.g. "unknown option". */
  name: string;
  args: readonly string[];
  /** What the one stderr line must say. */
  says: RegExp;
}

interface Outcome {
  code: number | null;
  stderr: string;
}

function runEntry(entry: string, args: readonly string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
      cwd, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NAMESRV_ADDR: "" },
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** Runs every case (parallel, a few at a time) and asserts the rule on each. */
export async function assertMisuses(entry: string, cases: readonly MisuseCase[], cwd: string, parallel = 3): Promise<void> {
  const outcomes: Outcome[] = new Array<Outcome>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < cases.length; index = next++) outcomes[index] = await runEntry(entry, cases[index]!.args, cwd);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, cases.length) }, worker));
  for (const [index, misuse] of cases.entries()) {
    const { code, stderr } = outcomes[index]!;
    const label = `${entry} ${misuse.args.join(" ")} (${misuse.name})`;
    const lines = stderr.split("\n").filter((line) => line !== "");
    assert.equal(code, 2, `${label}: exit ${code}, stderr: ${stderr}`);
    assert.equal(lines.length, 1, `${label}: want one stderr line, got:\n${stderr}`);
    assert.doesNotMatch(stderr, /^\s+at /m, `${label}: stack trace`);
    assert.match(lines[0]!, misuse.says, label);
  }
}
