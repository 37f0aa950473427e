// The Node flags every mqnamesrv / mqbroker process runs with, wherever it is started (the
// package bin shims, the lab's process deployer, the real-process test helpers, the benches).
// Why: V8 grows its young generation (two semi-spaces) with the allocation rate, up to 2 × 64 MiB
// on Node 24, and a broker allocates fast while it fills a queue: a million 1 KiB messages left
// its RSS about 80 MiB above the empty store with a V8 heap in use of 10 MiB (issue 15). A
// bounded semi-space keeps that growth to a few MiB at a small CPU cost (README, Performance).
// V8 reads the semi-space limit once, when the isolate is created: v8.setFlagsFromString at run
// time has no effect on it, so the flags must be on the command line (or in NODE_OPTIONS).
// Invariants: MQLAB_NODE_OPTIONS replaces the default tuning flags (empty = Node's defaults);
// MQLAB_SERVER_NODE_ARGS adds flags after them (profiling: "--cpu-prof --cpu-prof-dir=/tmp/p");
// every token is a "-" flag, else the caller reports one line and exits 2.

/**
 * Semi-space size limit in MiB (new space = 2 × this). Measured (README, Performance): the
 * broker allocates about 11 KiB per 1 KiB message, and a put must not outlive two scavenges. Under
 * ASYNC_FLUSH it answers within the turn, and 2, 4 and 8 MiB cost the same CPU per message. Under
 * SYNC_FLUSH each of 256 puts in flight waits for its fsync: with 4 MiB they were promoted (5
 * mark-compacts per 100k messages, GC a fifth of the broker's CPU, 20 µs a message), with 8 MiB
 * 13 µs and one mark-compact. bench-store's RSS above the empty store: 4 MiB +24, 8 MiB +32,
 * 16 MiB +51 (the limit is 50), Node's default +78.
 */
export const semiSpaceSizeMiBDefault = 8;

/**
 * The default of MQLAB_NODE_OPTIONS. --no-concurrent-recompilation: V8's optimizing compiler then
 * runs on the main thread instead of background threads, whose malloc arenas kept 8–10 MiB after
 * a fill (bench-store +36 instead of +44.5 MiB with a 20 MB index table); CPU per message was
 * equal within the noise; the cost is a few ms of main-thread compile while the broker warms up.
 */
export const serverNodeOptionsDefault = `--max-semi-space-size=${semiSpaceSizeMiBDefault} --no-concurrent-recompilation`;

type Environment = Readonly<Record<string, string | undefined>>;

/** The flags in a flag list's text (an environment variable's value). */
export function nodeArgTokens(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter((token) => token !== "");
}

/** Why the flags in the environment variables `names` cannot be used, or null. */
export function nodeArgsProblem(environment: Environment, names: readonly string[]): string | null {
  for (const name of names) {
    const bad = nodeArgTokens(environment[name]).find((token) => !token.startsWith("-"));
    if (bad !== undefined) return `${name}: "${bad}" is not a node flag (flags start with -)`;
  }
  return null;
}

/** Why the servers' flags in the environment cannot be used, or null. */
export function serverNodeArgsProblem(environment: Environment): string | null {
  return nodeArgsProblem(environment, ["MQLAB_NODE_OPTIONS", "MQLAB_SERVER_NODE_ARGS"]);
}

/** Node flags for a server process: MQLAB_NODE_OPTIONS (or the default), then MQLAB_SERVER_NODE_ARGS. */
export function serverNodeArgs(environment: Environment): string[] {
  const tuning = environment["MQLAB_NODE_OPTIONS"] ?? serverNodeOptionsDefault;
  return [...nodeArgTokens(tuning), ...nodeArgTokens(environment["MQLAB_SERVER_NODE_ARGS"])];
}

/** The flags of `wanted` this process was not started with (its execArgv and NODE_OPTIONS). */
export function missingNodeArgs(wanted: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const present = new Set([...execArgv, ...nodeArgTokens(nodeOptions)]);
  return wanted.filter((flag) => !present.has(flag));
}
