// `mqlab k8s render <scenario|file>`: writes the scenario's manifests (render.ts) to a
// directory — cluster.yaml (apply first), faults/NN-<kind>.yaml (apply each at its
// mqlab.dev/at-ms annotation, delete to heal early) — after checking every object against the
// Kubernetes and Chaos Mesh schemas (validate.ts). `mqlab run --deployer k8s`
// (chaos/deploy/k8s/) applies the same objects itself and judges the run.
import type { Command } from "commander";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { findScenario } from "../../scenarios/index.ts";
import { scenarioFileArgument } from "./scenario_file_commands.ts";
import { renderManifests, k8sName } from "../k8s/render.ts";

function fail(message: string): never {
  process.stderr.write(`mqlab: ${message}\n`);
  process.exit(2);
}

function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

function documents(objects: readonly object[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join("---\n");
}

export function registerK8sCommand(program: Command): void {
  const k8s = program.command("k8s").description("Kubernetes: the scenario as manifests (StatefulSets, Services, ConfigMaps, a workload Job) and Chaos Mesh resources");
  k8s
    .command("render <scenario>")
    .description("write manifests for a built-in scenario or a scenario file; validated against the Kubernetes and Chaos Mesh schemas")
    .option("--out <dir>", "output directory (default reports/out/k8s/<scenario>)")
    .option("--namespace <ns>", "namespace of every object", "mqlab")
    .option("--image <ref>", "node image (default mqlab:<version>, what `just image` builds)")
    .option("--storage <size>", "store volume per broker", "2Gi")
    .option("--seed <n>", "seed of the workload specs", "1")
    .action(async (name: string, options: { out?: string; namespace: string; image?: string; storage: string; seed: string }) => {
      const file = scenarioFileArgument(name);
      if (file?.kind === "incident") fail(`${name} is an incident: render one phase (copy phases.broken or phases.fixed into a scenario file)`);
      let rendered;
      try {
        const scenario = file?.kind === "scenario" ? file.scenario : findScenario(name);
        rendered = { scenario, manifests: renderManifests(scenario, { namespace: options.namespace, image: options.image ?? `mqlab:${packageVersion()}`, storageSize: options.storage, seed: Number(options.seed) }) };
      } catch (error) {
        fail((error as Error).message);
      }
      // Loaded here, not at mqlab's start: kubernetes-models is a dev dependency, and the image
      // (`npm ci --omit=dev`) must run every other command without it.
      const validator = await import("../k8s/validate.ts").catch((error: unknown) => fail(`k8s render validates with kubernetes-models, a dev dependency (npm ci without --omit=dev): ${(error as Error).message.split("\n")[0]}`));
      const problems = validator.validateManifests([...rendered.manifests.cluster, ...rendered.manifests.faults]);
      if (problems.length > 0) fail(`rendered manifests fail schema validation: ${problems.join("; ")}`);
      const outDir = resolve(options.out ?? join("reports/out/k8s", k8sName(rendered.scenario.name)));
      mkdirSync(join(outDir, "faults"), { recursive: true });
      writeFileSync(join(outDir, "cluster.yaml"), documents(rendered.manifests.cluster));
      for (const resource of rendered.manifests.faults) {
        const metadata = (resource as { metadata: { name: string } }).metadata;
        writeFileSync(join(outDir, "faults", `${metadata.name}.yaml`), documents([resource]));
      }
      process.stdout.write(`wrote ${rendered.manifests.cluster.length} objects to ${join(outDir, "cluster.yaml")} and ${rendered.manifests.faults.length} Chaos Mesh resources to ${join(outDir, "faults")}/ (schema-valid)\n`);
    });
}
