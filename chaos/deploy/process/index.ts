// The process deployer's public surface: the deployer and leftovers clean-up.
export { ProcessDeployer } from "./process_deployer.ts";
export { cleanLeftovers } from "./run_state.ts";
