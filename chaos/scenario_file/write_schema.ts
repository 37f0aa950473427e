// Writes scenario.schema.json and incident.schema.json from schema.ts:
// `npx tsx chaos/scenario_file/write_schema.ts` after changing the scenario shape.
import { writeFileSync } from "node:fs";
import { generatedSchemaFiles } from "./schema_files.ts";

for (const file of generatedSchemaFiles()) {
  writeFileSync(file.path, file.text);
  process.stdout.write(`wrote ${file.path}\n`);
}
