// Schema validation of rendered manifests without a cluster: Kubernetes objects with
// kubernetes-models' validators (the Kubernetes OpenAPI schemas it ships), Chaos Mesh
// resources with ajv against chaos_mesh_schema.ts. Returns each object's problems ("Kind/name:
// reason"); empty means every object fits.
import { Ajv, type ValidateFunction } from "ajv";
import { StatefulSet } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { chaosMeshSchemas } from "./chaos_mesh_schema.ts";

type Validator = (object: unknown) => string | null;

function model(build: (object: never) => { validate(): void }): Validator {
  return (object) => {
    try {
      build(object as never).validate();
      return null;
    } catch (error) {
      return (error as Error).message.split("\n")[0] ?? "invalid";
    }
  };
}

const ajv = new Ajv({ allErrors: true, strict: false });
const chaosValidators = new Map<string, ValidateFunction>(Object.entries(chaosMeshSchemas).map(([kind, schema]) => [kind, ajv.compile(schema)]));

function chaos(kind: string): Validator {
  return (object) => {
    const validate = chaosValidators.get(kind);
    if (validate === undefined) return `no schema for ${kind}`;
    if (validate(object)) return null;
    return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "invalid"}${error.params && "additionalProperty" in error.params ? ` (${String(error.params.additionalProperty)})` : ""}`).join("; ");
  };
}

const validators: Record<string, Validator> = {
  ConfigMap: model((object) => new ConfigMap(object)),
  Service: model((object) => new Service(object)),
  StatefulSet: model((object) => new StatefulSet(object)),
  Job: model((object) => new Job(object)),
  ...Object.fromEntries(Object.keys(chaosMeshSchemas).map((kind) => [kind, chaos(kind)])),
};

export function validateManifests(objects: readonly object[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const { kind, metadata } = object as { kind?: string; metadata?: { name?: string } };
    const name = `${kind ?? "?"}/${metadata?.name ?? "?"}`;
    const validate = kind === undefined ? undefined : validators[kind];
    if (validate === undefined) {
      problems.push(`${name}: no validator for this kind (known: ${Object.keys(validators).join(", ")})`);
      continue;
    }
    const problem = validate(object);
    if (problem !== null) problems.push(`${name}: ${problem}`);
  }
  return problems;
}
