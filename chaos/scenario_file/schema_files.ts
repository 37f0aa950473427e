// The JSON Schema files shipped beside the code (editors autocomplete scenario files with
// them): their paths and their generated text. write_schema.ts writes them; a test fails when
// a shipped file differs from what schema.ts generates.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { incidentFileSchema, scenarioSchema } from "./schema.ts";

const here = dirname(fileURLToPath(import.meta.url));
export const scenarioSchemaPath = join(here, "scenario.schema.json");
export const incidentSchemaPath = join(here, "incident.schema.json");

function schemaText(id: string, title: string, schema: object): string {
  // The file's own `$schema` key (JSON files name their schema with it) is allowed on top.
  const withSchemaKey = { ...schema, properties: { $schema: { type: "string" }, ...(schema as { properties: object }).properties } };
  return JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", $id: id, title, ...withSchemaKey }, null, 2) + "\n";
}

export function generatedSchemaFiles(): { path: string; text: string }[] {
  return [
    { path: scenarioSchemaPath, text: schemaText("https://mqlab.dev/schema/scenario.schema.json", "mqlab scenario file", scenarioSchema) },
    { path: incidentSchemaPath, text: schemaText("https://mqlab.dev/schema/incident.schema.json", "mqlab incident file", incidentFileSchema) },
  ];
}
