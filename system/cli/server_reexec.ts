// Puts a server CLI (mqnamesrv, mqbroker) under the Node flags of server_node_args.ts when it was
// started without them (`mqbroker` from the package bin, the image, a shell): it replaces this
// process with `node <missing flags> <its own flags> <script> <args>` (process.execve: same pid,
// same stdio, so signals, supervisors and Docker's PID 1 see one process, never a wrapper).
// Invariants: at most one re-exec (a marker variable, removed again at once, stops a loop); a bad
// MQLAB_NODE_OPTIONS / MQLAB_SERVER_NODE_ARGS is one line on stderr and exit 2; where execve is
// missing (Windows) the server runs with Node's defaults after one warning line.
import { exitCodes } from "./cli_boundary.ts";
import { missingNodeArgs, serverNodeArgs, serverNodeArgsProblem } from "./server_node_args.ts";

const reexecMarker = "MQLAB_NODE_ARGS_REEXEC";

export function reexecWithServerNodeArgs(program: string): void {
  const problem = serverNodeArgsProblem(process.env);
  if (problem !== null) {
    process.stderr.write(`${program}: ${problem}\n`);
    process.exit(exitCodes.usageOrBroken);
  }
  reexecUnderNodeArgs(program, serverNodeArgs(process.env), reexecMarker);
}

/**
 * Replaces this process with itself under the flags of `wanted` it was started without (same
 * pid, same stdio); `marker` names the variable that stops a second re-exec. Returns the flags
 * it runs under. Where it cannot (no execve, or a re-exec that did not take) it warns once.
 */
export function reexecUnderNodeArgs(program: string, wanted: readonly string[], marker: string): string[] {
  const reexeced = process.env[marker] === "1";
  delete process.env[marker];
  const missing = missingNodeArgs(wanted, process.execArgv, process.env["NODE_OPTIONS"]);
  if (missing.length === 0) return [...wanted];
  const script = process.argv[1];
  if (!reexeced && typeof process.execve === "function" && script !== undefined) {
    process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, script, ...process.argv.slice(2)],
      { ...process.env, [marker]: "1" });
  }
  process.stderr.write(`${program}: warning: running without the node flags ${missing.join(" ")}\n`);
  return wanted.filter((flag) => !missing.includes(flag));
}
