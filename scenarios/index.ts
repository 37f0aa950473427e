// Every scenario mqlab knows, discoverable by name, and the suites that group them.
import type { Scenario } from "../chaos/scenario.ts";
import { standardScenarios } from "./library/standard.ts";
import { haScenarios } from "./library/ha.ts";
import { smokeScenarios } from "./library/smoke.ts";
import { networkScenarios } from "./library/network.ts";
import { brokenProofScenarios } from "./library/broken_proofs.ts";
import { aclFaultsScenario } from "./acl/acl_scenarios.ts";
import { filterScenarios } from "./library/filters.ts";
import { issue16Scenarios, transactionScenario } from "./library/transactions.ts";
import { regressionScenarios } from "./library/regressions.ts";
import { probePathScenarios } from "./library/probe_paths.ts";

export function allScenarios(): Scenario[] {
  return [...standardScenarios(), ...smokeScenarios(), ...haScenarios(), ...networkScenarios(), ...brokenProofScenarios(), aclFaultsScenario(), ...filterScenarios(), ...issue16Scenarios(), ...regressionScenarios(), ...probePathScenarios()];
}

export function findScenario(name: string): Scenario {
  const scenario = allScenarios().find((candidate) => candidate.name === name);
  if (!scenario) {
    const names = allScenarios().map((candidate) => candidate.name);
    const close = names.filter((candidate) => candidate.includes(name) || name.includes(candidate.split("/")[1] ?? "\u0000"));
    throw new Error(`unknown scenario "${name}"${close.length ? ` (did you mean: ${close.slice(0, 5).join(", ")}?)` : ""}; \`mqlab list\` shows all`);
  }
  return scenario;
}

export interface Suite {
  name: string;
  description: string;
  scenarios: string[];
  /** Seeds per scenario unless --seeds says otherwise. */
  seeds: number;
}

export function allSuites(): Suite[] {
  return [
    {
      name: "ci",
      description: "every topology × {no fault, broker crash, firewall drop, heartbeat loss, consumer crash} in the simulator, plus the scenarios that reach a rare probe on purpose, plus 1m/transactions",
      // 1m/transactions: the standard workload has no transactional producer (the swarm draws
      // the transactions mix in hostile runs only, about one battery run in ten), so without it
      // the CI part never commits, rolls back or checks a transaction. About a second a seed.
      scenarios: [...standardScenarios(), ...probePathScenarios(), transactionScenario()].map((scenario) => scenario.name),
      seeds: 2,
    },
    {
      name: "process-smoke",
      description: "2m-2s-sync with a broker crash and a firewall drop, intervals scaled down: for --deployer process",
      scenarios: ["smoke/2m-2s-sync/broker-crash", "smoke/2m-2s-sync/firewall-drop"],
      seeds: 1,
    },
    {
      name: "container-smoke",
      description: "1m without a fault and with a broker crash, intervals scaled down: for --deployer container",
      scenarios: ["smoke/1m/no-fault", "smoke/1m/broker-crash"],
      seeds: 1,
    },
  ];
}

export function findSuite(name: string): Suite {
  const suite = allSuites().find((candidate) => candidate.name === name);
  if (!suite) throw new Error(`unknown suite "${name}" (known: ${allSuites().map((s) => s.name).join(", ")})`);
  return suite;
}
