// Scenario files: every built-in scenario and incident survives show → load unchanged (so a run
// of the file is the run of the built-in: same plan, same seed, same traceHash); the starter
// file loads; each kind of malformed file gets one error naming file, line and what is allowed;
// the shipped JSON Schema files are what schema.ts generates.
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, mkdirSync, writeFileSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { allIncidents, findIncident } from "../../scenarios/incidents/index.ts";
import { allScenarios } from "../../scenarios/index.ts";
import { topologyRoot } from "../topologies/index.ts";
import { planCluster } from "../plan.ts";
import { parseScenarioText, loadScenarioFile } from "./load.ts";
import { generatedSchemaFiles } from "./schema_files.ts";
import { ScenarioFileError } from "./source.ts";
import { starterScenarioYaml } from "./starter.ts";
import { incidentYaml, scenarioYaml } from "./to_yaml.ts";

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

test("every built-in scenario round-trips through its YAML", () => {
  assert.ok(allScenarios().length >= 40);
  for (const scenario of allScenarios()) {
    const loaded = parseScenarioText(`${scenario.name}.yaml`, scenarioYaml(scenario));
    assert.equal(loaded.kind, "scenario");
    if (loaded.kind !== "scenario") continue;
    assert.deepEqual(loaded.scenario, plain(scenario), scenario.name);
  }
});

test("every built-in incident round-trips (both deployer variants; roundtrip_run.test.ts runs the symptom reading)", () => {
  for (const incident of allIncidents()) {
    for (const deployer of incident.deployers) {
      const loaded = parseScenarioText(`${incident.name}.yaml`, incidentYaml(incident, deployer), findIncident);
      assert.equal(loaded.kind, "incident");
      if (loaded.kind !== "incident") continue;
      const phases = incident.phases(deployer);
      assert.deepEqual(loaded.incident.phases(deployer), plain(phases), `${incident.name} ${deployer}`);
      assert.deepEqual(loaded.incident.narrative, incident.narrative);
    }
  }
});

test("the starter file of `mqlab new` is a valid scenario", () => {
  const loaded = parseScenarioText("mine.yaml", starterScenarioYaml("mine"));
  assert.equal(loaded.kind, "scenario");
  if (loaded.kind === "scenario") assert.equal(loaded.scenario.faults[0]?.fault.kind, "crash");
});

/** The starter with one line replaced: malformed files for the error tests. */
function starterWith(find: string, replace: string): string {
  const text = starterScenarioYaml("bad");
  assert.ok(text.includes(find), find);
  return text.replace(find, replace);
}

function errorOf(text: string): ScenarioFileError {
  try {
    parseScenarioText("bad.yaml", text);
  } catch (error) {
    assert.ok(error instanceof ScenarioFileError, String(error));
    assert.ok(!error.message.includes("\n"), "one line");
    return error;
  }
  assert.fail("no error");
}

function lineOf(text: string, needle: string): number {
  return text.split("\n").findIndex((line) => line.includes(needle)) + 1;
}

test("a malformed file gets one located error per problem", () => {
  const cases: { name: string; text: string; line: string; message: RegExp }[] = [
    { name: "wrong type", text: starterWith("durationMs: 60000", "durationMs: sixty"), line: "durationMs: sixty", message: /durationMs: must be integer, got "sixty"/ },
    { name: "unknown fault kind", text: starterWith("kind: crash", "kind: explode"), line: "kind: explode", message: /faults\[0\]\.fault\.kind: unknown fault kind "explode" \(allowed: crash, power-loss, pause, firewall, .*namesrv-all-down, acl-secret, acl-file, rogue-peer\)/ },
    { name: "node that does not exist", text: starterWith("target: broker-a }", "target: broker-c }"), line: "target: broker-c", message: /node "broker-c" does not exist in topology 2m-noslave .*nodes: namesrv-1, namesrv-2, broker-a, broker-b, producer-1, consumer-GroupTest-1/ },
    { name: "fault after the end", text: starterWith("  - atMs: 20000", "  - atMs: 90000"), line: "atMs: 90000", message: /fault at 90000 ms is after the end of the run's send phase \(durationMs 60000\)/ },
    { name: "unknown field", text: starterWith("durationMs: 60000", "durationMs: 60000\ndurationSecs: 60"), line: "durationSecs", message: /unknown field "durationSecs" \(allowed: name, description, topology, .*\)/ },
    { name: "enum value", text: starterWith("sendMode: sync", "sendMode: fast"), line: "sendMode: fast", message: /sendMode: "fast" is not allowed \(allowed: sync, async, oneway\)/ },
    { name: "unknown checker", text: starterWith("checkers: [delivery, failover]", "checkers: [delivery, speed]"), line: "checkers: [delivery, speed]", message: /checkers\[1\]: "speed" is not allowed \(allowed: delivery, order, failover/ },
    { name: "unknown topology", text: starterWith("topology: 2m-noslave", "topology: 3m"), line: "topology: 3m", message: /unknown topology "3m" \(allowed: 1m, 2m-2s-async, 2m-2s-sync, 2m-noslave, or a directory/ },
    { name: "missing field", text: starterWith("quiesceMs: 20000", ""), line: "name:", message: /missing field "quiesceMs"/ },
    { name: "YAML syntax", text: starterWith("durationMs: 60000", "durationMs: [60000"), line: "durationMs: [60000", message: /not valid YAML\/JSON/ },
  ];
  for (const entry of cases) {
    const error = errorOf(entry.text);
    assert.match(error.message, entry.message, entry.name);
    assert.match(error.message, /^bad\.yaml:\d+:\d+: /, entry.name);
    if (entry.name !== "YAML syntax") assert.equal(error.line, lineOf(entry.text, entry.line), `${entry.name}: ${error.message}`);
  }
});

test("JSON files load too, and errors there name lines as well", () => {
  const scenario = allScenarios()[0]!;
  const json = JSON.stringify({ $schema: "./scenario.schema.json", ...scenario }, null, 2);
  const loaded = parseScenarioText("x.json", json);
  assert.equal(loaded.kind === "scenario" && loaded.scenario.name, scenario.name);
  const error = errorOf(json.replace('"durationMs": ', '"durationMs": "x", "_": '));
  assert.equal(error.line, lineOf(json, '"durationMs"'));
});

test("a topology directory beside the file (the user's broker.conf files) is resolved and planned", () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-topology-"));
  try {
    mkdirSync(join(root, "mine"));
    for (const file of ["broker-a.properties", "broker-b.properties"]) copyFileSync(join(topologyRoot, "2m-noslave", file), join(root, "mine", file));
    writeFileSync(join(root, "mine", "topology.json"), JSON.stringify({ name: "mine", description: "ours", nameServers: 2, brokers: ["broker-a.properties", "broker-b.properties"] }));
    writeFileSync(join(root, "x.yaml"), starterWith("topology: 2m-noslave", "topology: ./mine").replace("target: broker-a }", "target: namesrv-2 }"));
    const loaded = loadScenarioFile(join(root, "x.yaml"));
    assert.equal(loaded.kind, "scenario");
    if (loaded.kind !== "scenario") return;
    assert.equal(loaded.scenario.topology, join(root, "mine"));
    const plan = planCluster(loaded.scenario, 1);
    assert.deepEqual(plan.nameServers, ["namesrv-1", "namesrv-2"]);
    assert.deepEqual(plan.brokers.map((broker) => broker.node), ["broker-a", "broker-b"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("an incident file with a checkFails symptom and a bad phase is located inside its phase", () => {
  const incident = allIncidents()[0]!;
  const text = incidentYaml(incident, "sim").replace(`symptom:\n    builtin: ${incident.name}`, "symptom:\n    checkFails: [failover]");
  const loaded = parseScenarioText("i.yaml", text);
  assert.equal(loaded.kind, "incident");
  const bad = text.replace("target: broker-a", "target: broker-z");
  const error = errorOf(bad);
  assert.match(error.message, /phases\.broken\.faults\[0\]\.fault\.target: node "broker-z" does not exist/);
  assert.equal(error.line, lineOf(bad, "target: broker-z"));
});

test("the shipped JSON Schema files are what schema.ts generates", () => {
  for (const file of generatedSchemaFiles()) assert.equal(readFileSync(file.path, "utf8"), file.text, `${file.path} is stale: npx tsx chaos/scenario_file/write_schema.ts`);
});
