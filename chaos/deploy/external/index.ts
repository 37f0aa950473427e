// The external deployer from the command line: `--deployer external --namesrv <addr>
// --fault-driver local|command [--driver-config <file>]`. Without a config the local driver
// knows no server node, so only workload-client faults can run.
import type { Scenario } from "../../scenario.ts";
import { ExternalDeployer, parseFaultDriverName, readDriverConfig } from "./external_deployer.ts";

export { ExternalDeployer } from "./external_deployer.ts";

export interface ExternalCliOptions {
  namesrv?: string;
  faultDriver?: string;
  driverConfig?: string;
}

/** Throws one-line errors: missing --namesrv, unknown driver, bad config, a fault the driver cannot inject. */
export function externalDeployerFor(scenario: Scenario, options: ExternalCliOptions): ExternalDeployer {
  const namesrvAddr = options.namesrv ?? process.env.NAMESRV_ADDR;
  if (namesrvAddr === undefined || namesrvAddr === "") throw new Error("--deployer external needs --namesrv host:port[;host:port] (or NAMESRV_ADDR)");
  const faultDriver = parseFaultDriverName(options.faultDriver ?? "local");
  const config = options.driverConfig === undefined ? { nodes: {} } : readDriverConfig(options.driverConfig);
  const deployer = new ExternalDeployer({ namesrvAddr, faultDriver, config });
  deployer.checkScenario(scenario);
  return deployer;
}
