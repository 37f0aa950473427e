// The container deployer's public surface: the deployer and clean-up of what runs left behind
// (by their mqlab.run label).
export { ContainerDeployer } from "./container_deployer.ts";
export { cleanContainerLeftovers } from "./cleanup.ts";
