import assert from "node:assert/strict";
import { test } from "node:test";
import { isProbeName, probe, probeCatalog, ProbeCounter, probeNames, requiredProbeNames, type ProbeSite } from "./probe.ts";

test("the catalog has at least 60 probes, unique dotted names, one-line descriptions", () => {
  assert.ok(probeCatalog.length >= 60, `only ${probeCatalog.length} probes`);
  assert.equal(new Set(probeNames).size, probeNames.length, "duplicate probe name");
  for (const spec of probeCatalog) {
    assert.match(spec.name, /^[a-z]+(\.[a-z0-9-]+){2,}$/, spec.name);
    assert.ok(spec.description.length > 10 && !spec.description.includes("\n"), spec.name);
  }
  assert.ok(requiredProbeNames.length > 0 && requiredProbeNames.length < probeNames.length);
});

test("a counter counts each hit and snapshots in catalog order", () => {
  const counter = new ProbeCounter();
  const site: ProbeSite = { probes: counter };
  probe(site, "ha.slave.reconnect");
  probe(site, "store.recovery.abnormal");
  probe(site, "ha.slave.reconnect");
  assert.equal(counter.count("ha.slave.reconnect"), 2);
  assert.equal(counter.count("store.recovery.abnormal"), 1);
  assert.equal(counter.count("store.recovery.normal"), 0);
  assert.deepEqual(Object.keys(counter.snapshot()), ["store.recovery.abnormal", "ha.slave.reconnect"]);
  const total = new ProbeCounter();
  total.addAll(counter.snapshot());
  total.addAll(counter.snapshot());
  assert.deepEqual(total.snapshot(), { "store.recovery.abnormal": 2, "ha.slave.reconnect": 4 });
});

test("off (no sink) reads the site's probes property once and does nothing else", () => {
  const touched: (string | symbol)[] = [];
  const site = new Proxy({}, { get: (_target, key) => { touched.push(key); return undefined; } }) as ProbeSite;
  for (let index = 0; index < 3; index++) probe(site, "store.disk.enospc");
  assert.deepEqual(touched, ["probes", "probes", "probes"]);
  probe({}, "store.disk.enospc");
  probe({ probes: undefined }, "store.disk.enospc");
});

test("counting is deterministic: the same hits give the same snapshot", () => {
  const run = (): string => {
    const counter = new ProbeCounter();
    for (const name of [...probeNames].reverse()) probe({ probes: counter }, name);
    probe({ probes: counter }, probeNames[3]!);
    return JSON.stringify(counter.snapshot());
  };
  assert.equal(run(), run());
});

test("probe names are a closed type: isProbeName guards strings", () => {
  assert.equal(isProbeName("store.recovery.abnormal"), true);
  assert.equal(isProbeName("store.recovery.abnormall"), false);
  // @ts-expect-error a misspelt probe is a type error
  probe({}, "store.recovery.abnormall");
});
