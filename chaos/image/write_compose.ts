// Writes chaos/topologies/<name>/docker-compose.yml for every topology (compose.ts).
import { writeFileSync } from "node:fs";
import { listTopologies } from "../topologies/index.ts";
import { composePath, composeText } from "./compose.ts";

for (const topology of listTopologies()) {
  writeFileSync(composePath(topology), composeText(topology));
  process.stdout.write(`wrote ${composePath(topology)}\n`);
}
