// Schema validation of a parsed scenario or incident file with ajv (the JSON Schema generated
// from chaos/scenario_file/schema.ts). Only the first problem is reported, turned into one
// sentence that names the field, what was found and what is allowed (enum values, a fault's
// kinds, the fields an object may have), at the file position of the offending value.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { incidentFileSchema, scenarioSchema } from "./schema.ts";
import type { ParsedSource, PathSegment, ScenarioFileError } from "./source.ts";

const ajv = new Ajv({ allErrors: false, verbose: true, discriminator: true, strict: true });
let validators: { scenario: ValidateFunction; incident: ValidateFunction } | undefined;

function compiled(): { scenario: ValidateFunction; incident: ValidateFunction } {
  validators ??= { scenario: ajv.compile(scenarioSchema), incident: ajv.compile(incidentFileSchema) };
  return validators;
}

/** null when the value fits the schema; else the first error, located. */
export function schemaError(source: ParsedSource, value: unknown, kind: "scenario" | "incident"): ScenarioFileError | null {
  const validate = compiled()[kind];
  if (validate(value)) return null;
  const error = (validate.errors ?? [])[0];
  if (error === undefined) return source.error([], "does not match the scenario schema");
  return describe(source, error);
}

function segments(instancePath: string): PathSegment[] {
  if (instancePath === "") return [];
  return instancePath.slice(1).split("/").map((part) => {
    const text = part.replaceAll("~1", "/").replaceAll("~0", "~");
    return /^\d+$/.test(text) ? Number(text) : text;
  });
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describe(source: ParsedSource, error: ErrorObject): ScenarioFileError {
  const path = segments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as { properties?: Record<string, unknown>; oneOf?: { properties?: { kind?: { const?: string } } }[] } | undefined;
  switch (error.keyword) {
    case "additionalProperties": {
      const allowed = Object.keys(parent?.properties ?? {});
      const name = String(params.additionalProperty);
      return source.error([...path, name], `unknown field "${name}" (allowed: ${allowed.join(", ")})`);
    }
    case "required":
      return source.error(path, `missing field "${String(params.missingProperty)}"`);
    case "enum":
      return source.error(path, `${shown(error.data)} is not allowed (allowed: ${(params.allowedValues as unknown[]).map(String).join(", ")})`);
    case "discriminator": {
      const kinds = (parent?.oneOf ?? []).map((branch) => branch.properties?.kind?.const).filter((kind) => kind !== undefined);
      const tag = String(params.tag);
      if (params.error === "tag") return source.error(path, `missing or non-string "${tag}" (allowed: ${kinds.join(", ")})`);
      return source.error([...path, tag], `unknown fault kind ${shown(params.tagValue)} (allowed: ${kinds.join(", ")})`);
    }
    case "type":
      return source.error(path, `must be ${String(params.type)}, got ${shown(error.data)}`);
    default:
      return source.error(path, `${error.message ?? "invalid"}${error.data === undefined || typeof error.data === "object" ? "" : ` (got ${shown(error.data)})`}`);
  }
}
