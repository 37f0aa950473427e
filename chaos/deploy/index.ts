// Picks a deployer by name. The real ones are loaded lazily: a simulator run never touches
// Docker or network namespaces. Invariant: every DeployerName is listed in deployerNames and
// built (or refused with a reason) by createDeployer; a name added to the union stops the build
// here until both places decide, as the fault-kind switches do.
import type { Deployer, DeployerName } from "./types.ts";
import { SimDeployer } from "./sim/sim_deployer.ts";

// A record, not an array, so the compiler checks the list is complete.
const knownDeployers: { readonly [name in DeployerName]: true } = { sim: true, process: true, container: true, external: true, k8s: true };

export const deployerNames: readonly DeployerName[] = Object.keys(knownDeployers) as DeployerName[];

function isDeployerName(name: string): name is DeployerName {
  return Object.hasOwn(knownDeployers, name);
}

export async function createDeployer(name: string): Promise<Deployer> {
  if (!isDeployerName(name)) throw new Error(`unknown deployer "${name}" (known: ${deployerNames.join(", ")})`);
  return createNamedDeployer(name);
}

async function createNamedDeployer(name: DeployerName): Promise<Deployer> {
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
    default: {
      const unreachable: never = name;
      throw new Error(`createDeployer has not decided on deployer ${String(unreachable)}`);
    }
  }
}
