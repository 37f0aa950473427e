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
import { nodeArgsProblem, nodeArgTokens, reexecUnderNodeArgs, semiSpaceSizeMiBDefault } from "../../system/cli/index.ts";

const reexecMarker = "MQLAB_BENCH_NODE_ARGS_REEXEC";

/** The flags a bench's client process runs with unless MQLAB_BENCH_CLIENT_NODE_OPTIONS says otherwise. */
export const benchClientNodeOptionsDefault = `--max-semi-space-size=${semiSpaceSizeMiBDefault}`;

/** The flags wanted for this bench process, from the environment. */
export function benchClientNodeArgs(environment: Readonly<Record<string, string | undefined>>): string[] {
  return nodeArgTokens(environment["MQLAB_BENCH_CLIENT_NODE_OPTIONS"] ?? benchClientNodeOptionsDefault);
}

/**
 * Replaces this process with itself under benchClientNodeArgs when it was started without them,
 * as the server CLIs do (server_reexec.ts). Returns the flags it runs under, for the report.
 */
export function reexecWithBenchClientNodeArgs(program: string): string[] {
  const problem = nodeArgsProblem(process.env, ["MQLAB_BENCH_CLIENT_NODE_OPTIONS"]);
  if (problem !== null) {
    process.stderr.write(`${program}: ${problem}\n`);
    process.exit(2);
  }
  return reexecUnderNodeArgs(program, benchClientNodeArgs(process.env), reexecMarker);
}
