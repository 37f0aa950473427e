// Picks a deployer by name. The real ones are loaded lazily: a simulator run never touches
// Docker or network namespaces.
import type { Deployer, DeployerName } from "./types.ts";
import { SimDeployer } from "./sim/sim_deployer.ts";

export const deployerNames: readonly DeployerName[] = ["sim", "process", "container", "external", "k8s"];

export async function createDeployer(name: string): Promise<Deployer> {
  switch (name) {
    case "sim":
      return new SimDeployer();
    case "process": {
      const { ProcessDeployer } = await import("./process/index.ts");
      return ProcessDeployer.create();
    }
    case "container": {
      const { ContainerDeployer } = await import("./container/index.ts");
      return new ContainerDeployer({ startEngine: false });
    }
    case "external":
      // It needs the cluster's addresses and a fault driver: `mqlab run --deployer external` builds it (chaos/deploy/external/).
      throw new Error("the external deployer needs --namesrv and a fault driver: run the scenario file again with `mqlab run <file> --deployer external --namesrv ... --fault-driver ...`");
    case "k8s": {
      const { k8sDeployerFor } = await import("./k8s/index.ts");
      return k8sDeployerFor(undefined, {});
    }
    default:
      throw new Error(`unknown deployer "${name}" (known: ${deployerNames.join(", ")})`);
  }
}
