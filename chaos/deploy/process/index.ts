// The process deployer's public surface: the deployer, its cluster, leftovers clean-up.
export { ProcessDeployer, realCommands, type ProcessDeployerOptions } from "./process_deployer.ts";
export { ProcessCluster, type BringUpTimes, type NodeCommandBuilders, type ProcessMode } from "./process_cluster.ts";
export { cleanLeftovers, type CleanReport } from "./run_state.ts";
export { processFaultSupport, processKindSupport } from "./fault_support.ts";
