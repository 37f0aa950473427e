// Test support: run an mqlab command in the test's own process, through the real boundary
// (system/cli/index.ts runProgram), and capture what a user would see: the exit code,
// stdout and stderr. Spawning `node --import tsx chaos/cli/mqlab.ts` costs seconds of transpiling
// per case; here the modules load once per test file.
// - runCommand(register, args): a fresh "mqlab" program with only the commands `register` adds
//   (registerCheckCommand, registerK8sCommand, ...), so a test loads only what it exercises.
// - runMqlab(args): the whole chaos/cli/mqlab.ts (list, run, replay, suite, sim are defined there),
//   imported again under a fresh query string so its top-level runProgram sees this argv.
// Invariants: process.exit, argv, stdout/stderr writers and the boundary's process listeners are
// restored after every call; output written after the first exit is dropped (a real process would
// be gone); calls must not overlap (they share the process's globals).
import assert from "node:assert/strict";
import { Command } from "commander";
import { prepareProgram, runProgram } from "../../../system/cli/index.ts";

export interface CliOutcome {
  /** The first process.exit code, or 0 when the action returned without exiting. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Thrown by the stand-in process.exit so the rest of the action does not run. */
class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
    this.name = "ExitSignal";
  }
}

let busy = false;
let importCount = 0;

async function captured(argv: readonly string[], run: () => Promise<unknown>): Promise<CliOutcome> {
  assert.equal(busy, false, "in-process CLI calls must not overlap");
  busy = true;
  // Restored verbatim afterwards; the writers are only ever called with their stream as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const saved = { argv: process.argv, exit: process.exit, out: process.stdout.write, err: process.stderr.write };
  const listeners = { rejection: process.listeners("unhandledRejection"), exception: process.listeners("uncaughtException") };
  let code: number | undefined;
  let stdout = "";
  let stderr = "";
  process.argv = [...argv];
  process.exit = (exitCode?: number | string | null): never => {
    code ??= Number(exitCode ?? 0);
    throw new ExitSignal(Number(exitCode ?? 0));
  };
  // The CLI writes strings; node:test's runner protocol writes bytes to stdout from the same
  // process, so bytes pass through untouched.
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (typeof chunk !== "string") return Reflect.apply(saved.out, process.stdout, [chunk, ...rest]) as boolean;
    if (code === undefined) stdout += chunk;
    return true;
  };
  process.stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (typeof chunk !== "string") return Reflect.apply(saved.err, process.stderr, [chunk, ...rest]) as boolean;
    if (code === undefined) stderr += chunk;
    return true;
  };
  try {
    await run();
  } catch (error) {
    if (!(error instanceof ExitSignal)) throw error;
  } finally {
    process.argv = saved.argv;
    process.exit = saved.exit;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    for (const listener of process.listeners("unhandledRejection")) if (!listeners.rejection.includes(listener)) process.off("unhandledRejection", listener);
    for (const listener of process.listeners("uncaughtException")) if (!listeners.exception.includes(listener)) process.off("uncaughtException", listener);
    busy = false;
  }
  return { code: code ?? 0, stdout, stderr };
}

/** A program holding only what `register` adds, run with args as `mqlab <args>`. */
export function runCommand(register: (program: Command) => void, args: readonly string[]): Promise<CliOutcome> {
  const argv = ["node", "mqlab", ...args];
  return captured(argv, async () => {
    const program = prepareProgram(new Command("mqlab"));
    register(program);
    await runProgram(program, argv);
  });
}

/** The whole mqlab CLI (chaos/cli/mqlab.ts) run with args. */
export function runMqlab(args: readonly string[]): Promise<CliOutcome> {
  importCount += 1;
  const url = new URL(`../mqlab.ts?in-process=${importCount}`, import.meta.url).href;
  return captured(["node", "mqlab", ...args], () => import(url));
}

/** The boundary's rule for a failure: this exit code and exactly one stderr line matching `says`, no stack. */
export function assertOneLine(outcome: CliOutcome, code: number, says: RegExp, label = ""): void {
  const lines = outcome.stderr.split("\n").filter((line) => line !== "");
  assert.equal(outcome.code, code, `${label}: exit ${outcome.code}, stderr: ${outcome.stderr}`);
  assert.equal(lines.length, 1, `${label}: want one stderr line, got:\n${outcome.stderr}`);
  assert.doesNotMatch(outcome.stderr, /^\s+at /m, `${label}: stack trace`);
  assert.match(lines[0]!, says, label);
}
