// The k8s deployer from the command line: `mqlab run <scenario> --deployer k8s [--k8s-image
// <ref>] [--k8s-storage <size>]` against kubectl's current context (KUBECTL names another
// kubectl binary). The scenario is checked before anything is applied (one-line refusals).
import { readFileSync } from "node:fs";
import type { Scenario } from "../../scenario.ts";
import { K8sDeployer } from "./k8s_deployer.ts";

export { K8sDeployer } from "./k8s_deployer.ts";

export interface K8sCliOptions {
  k8sImage?: string;
  k8sStorage?: string;
}

/** mqlab:<package version>: what `just image` builds (MQLAB_K8S_IMAGE overrides it). */
function defaultK8sImage(): string {
  const text = readFileSync(new URL("../../../package.json", import.meta.url), "utf8");
  return process.env.MQLAB_K8S_IMAGE ?? `mqlab:${(JSON.parse(text) as { version: string }).version}`;
}

export function k8sDeployerFor(scenario: Scenario | undefined, options: K8sCliOptions): K8sDeployer {
  if (options.k8sStorage !== undefined && !/^\d+(\.\d+)?([KMGTPE]i?)?$/.test(options.k8sStorage)) throw new Error(`--k8s-storage wants a Kubernetes quantity like 2Gi, got "${options.k8sStorage}"`);
  const deployer = new K8sDeployer({ image: options.k8sImage ?? defaultK8sImage(), ...(options.k8sStorage === undefined ? {} : { storageSize: options.k8sStorage }) });
  if (scenario !== undefined) deployer.checkScenario(scenario);
  return deployer;
}
