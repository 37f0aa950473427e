// Public API of system/cli for mqlab (chaos/cli/): the error boundary and option parsers every
// command-line program shares, so mqlab's misuse looks like mqadmin's. The programs themselves
// (mqnamesrv.ts, mqbroker.ts, mqadmin.ts, console/main.ts) are run, never imported.
export { prepareProgram, runProgram, UsageError } from "./cli_boundary.ts";
export { integerIn, numberFrom, oneOf, parseShardText, readablePath } from "./cli_options.ts";
export type { Shard } from "./cli_options.ts";
export { nodeArgsProblem, nodeArgTokens, semiSpaceSizeMiBDefault, serverNodeArgs, serverNodeArgsProblem } from "./server_node_args.ts";
export { reexecUnderNodeArgs } from "./server_reexec.ts";
