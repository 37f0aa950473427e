// The Node flags of a bench's own process where that process drives a system at full rate
// (bench-peers, bench-put-cpu: the producers and consumers of every system measured run in it).
// Why: with Node's defaults V8 grows a busy process's young generation to 2 × 64 MiB, and then
// promotes nearly all of what a scavenge finds alive. mqlab's producer keeps each send's message,
// request and promises alive until its response (256 in flight); under
// `bench-put-cpu --n 300000` 95–97 % of the scavenges' survivors were promoted (2.5–11 MB a
// scavenge, pauses of 9–44 ms, 6 mark-compacts) and the client spent 11.8 µs a message. With the
// semi-space bounded as the servers' (server_node_args.ts) nothing was promoted: 6.6–7.1 µs.
// Every system in bench-peers is driven from the same process, so all get the same flags.
// Invariants: MQLAB_BENCH_CLIENT_NODE_OPTIONS replaces the flags ("" = Node's defaults, to
// measure a client as an untuned application runs it); at most one re-exec (a marker variable).
import { missingNodeArgs, semiSpaceSizeMiBDefault } from "../../system/cli/index.ts";

const reexecMarker = "MQLAB_BENCH_NODE_ARGS_REEXEC";

/** The flags a bench's client process runs with unless MQLAB_BENCH_CLIENT_NODE_OPTIONS says otherwise. */
export const benchClientNodeOptionsDefault = `--max-semi-space-size=${semiSpaceSizeMiBDefault}`;

/** The flags wanted for this bench process, from the environment. */
export function benchClientNodeArgs(environment: Readonly<Record<string, string | undefined>>): string[] {
  return (environment["MQLAB_BENCH_CLIENT_NODE_OPTIONS"] ?? benchClientNodeOptionsDefault).split(/\s+/).filter((token) => token !== "");
}

/**
 * Replaces this process with itself under benchClientNodeArgs when it was started without them
 * (process.execve: same pid and stdio). Returns the flags it runs under, for the report. Where
 * execve is missing, or after a re-exec that did not take, it warns once and goes on.
 */
export function reexecWithBenchClientNodeArgs(program: string): string[] {
  const wanted = benchClientNodeArgs(process.env);
  const bad = wanted.find((token) => !token.startsWith("-"));
  if (bad !== undefined) {
    process.stderr.write(`${program}: MQLAB_BENCH_CLIENT_NODE_OPTIONS: "${bad}" is not a node flag (flags start with -)\n`);
    process.exit(2);
  }
  const reexeced = process.env[reexecMarker] === "1";
  delete process.env[reexecMarker];
  const missing = missingNodeArgs(wanted, process.execArgv, process.env["NODE_OPTIONS"]);
  const script = process.argv[1];
  if (missing.length > 0 && !reexeced && typeof process.execve === "function" && script !== undefined) {
    process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, script, ...process.argv.slice(2)],
      { ...process.env, [reexecMarker]: "1" });
  }
  if (missing.length > 0) process.stderr.write(`${program}: warning: the client process runs without the node flags ${missing.join(" ")}\n`);
  return wanted.filter((flag) => !missing.includes(flag));
}
