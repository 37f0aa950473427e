// The shipped docker-compose.yml of every topology is what compose.ts generates (regenerate:
// npx tsx chaos/image/write_compose.ts), and it has a service per NameServer and broker, a
// store volume per broker and the broker's own properties file mounted.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import { listTopologies, loadTopology } from "../topologies/index.ts";
import { composePath, composeText } from "./compose.ts";

test("every topology ships its generated docker-compose.yml", () => {
  for (const topology of listTopologies()) {
    const text = readFileSync(composePath(topology), "utf8");
    assert.equal(text, composeText(topology), `${composePath(topology)} is stale: npx tsx chaos/image/write_compose.ts`);
    const compose = parse(text) as { services: Record<string, { command: string[]; volumes?: string[] }>; volumes: Record<string, unknown> };
    const loaded = loadTopology(topology);
    assert.equal(Object.keys(compose.services).length, loaded.nameServers + loaded.brokers.length, topology);
    assert.equal(Object.keys(compose.volumes).length, loaded.brokers.length, topology);
    for (const broker of loaded.brokers) {
      const service = Object.values(compose.services).find((entry) => entry.command.includes(`/etc/mqlab/${broker.file}`));
      assert.ok(service?.volumes?.includes(`./${broker.file}:/etc/mqlab/${broker.file}:ro`), `${topology}: ${broker.file} mounted`);
    }
  }
});
