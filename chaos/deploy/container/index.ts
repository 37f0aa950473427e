// The container deployer's public surface: the deployer, its cluster, the engine and image
// helpers, and clean-up of what runs left behind (by their mqlab.run label).
export { ContainerDeployer, containerFaultSupport, remoteEngineConfigured, type ContainerDeployerOptions } from "./container_deployer.ts";
export { ContainerCluster, type BringUpTimes } from "./container_cluster.ts";
export { cleanContainerLeftovers, listLeftovers, runLabel, type Leftovers } from "./cleanup.ts";
export { connectEngine, engineAnswers, startLocalEngine, NoEngineError, type Engine } from "./engine.ts";
export { ensureNodeImage, imageInputs, type BuiltImage } from "./image.ts";
