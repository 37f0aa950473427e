// createDeployer over every name: each known name builds its deployer or refuses with its reason
// (none falls through to "unknown"), an unknown name is refused with the list, and the list
// matches what each deployer calls itself. Nothing here starts a cluster or an engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createDeployer, deployerNames } from "./index.ts";

test("deployerNames is the DeployerName union, each name once", () => {
  assert.deepEqual([...deployerNames].sort(), ["container", "external", "k8s", "process", "sim"]);
});

test("createDeployer builds the sim and container deployers under their own names", async () => {
  for (const name of ["sim", "container"] as const) {
    const deployer = await createDeployer(name);
    assert.equal(deployer.name, name);
  }
});

test("createDeployer refuses external with how to run it, not as an unknown name", async () => {
  await assert.rejects(createDeployer("external"), (error: Error) => {
    assert.match(error.message, /--namesrv and a fault driver/);
    assert.doesNotMatch(error.message, /unknown deployer/);
    return true;
  });
});

test("createDeployer refuses an unknown name and lists the known ones", async () => {
  for (const name of ["simulator", "", "toString", "__proto__"]) {
    await assert.rejects(createDeployer(name), new RegExp(`^Error: unknown deployer "${name}" \\(known: sim, process, container, external, k8s\\)$`));
  }
});
