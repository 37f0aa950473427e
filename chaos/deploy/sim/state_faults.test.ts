import { test } from "node:test";
import assert from "node:assert/strict";
import { StateFaults } from "./state_faults.ts";

function recorder(): { faults: StateFaults; calls: string[] } {
  const calls: string[] = [];
  const faults = new StateFaults({
    setClockSkewMs: (node, skewMs) => calls.push(`${node} skew ${skewMs}`),
    setSlowFactor: (node, factor) => calls.push(`${node} slow ${factor}`),
    setFull: (node, full) => calls.push(`${node} full ${full}`),
    setIoErrors: (node, errors) => calls.push(`${node} errors ${errors}`),
  });
  return { faults, calls };
}

test("overlapping disk-full faults on one node: the disk stays full until the last heals (battery seed 12 run 1190)", () => {
  const { faults, calls } = recorder();
  const first = { kind: "disk-full", target: "broker-a" } as const;
  const second = { kind: "disk-full", target: "broker-a" } as const;
  faults.inject(first, 2);
  faults.inject(second, 3);
  faults.heal(first, 2);
  assert.deepEqual(calls, ["broker-a full true"]);
  faults.heal(second, 3);
  assert.deepEqual(calls, ["broker-a full true", "broker-a full false"]);
  // A heal of a fault that is not active (healed twice) changes nothing.
  faults.heal(second, 3);
  assert.equal(calls.length, 2);
});

test("slow disks stack to the largest factor; errors and skew follow the latest fault still active; other nodes are apart", () => {
  const { faults, calls } = recorder();
  faults.inject({ kind: "slow-disk", target: "broker-a", factor: 50 }, 0);
  faults.inject({ kind: "slow-disk", target: "broker-a", factor: 1000 }, 1);
  faults.heal({ kind: "slow-disk", target: "broker-a", factor: 1000 }, 1);
  faults.heal({ kind: "slow-disk", target: "broker-a", factor: 50 }, 0);
  assert.deepEqual(calls.splice(0), ["broker-a slow 50", "broker-a slow 1000", "broker-a slow 50", "broker-a slow 1"]);
  faults.inject({ kind: "disk-error", target: "broker-a", errors: "fsync" }, 2);
  faults.inject({ kind: "disk-error", target: "broker-b", errors: "write" }, 3);
  faults.inject({ kind: "disk-error", target: "broker-a", errors: "write" }, 4);
  faults.heal({ kind: "disk-error", target: "broker-a", errors: "write" }, 4);
  faults.heal({ kind: "disk-error", target: "broker-a", errors: "fsync" }, 2);
  assert.deepEqual(calls.splice(0), ["broker-a errors fsync", "broker-b errors write", "broker-a errors write", "broker-a errors fsync", "broker-a errors none"]);
  faults.inject({ kind: "clock-skew", target: "broker-a", offsetMs: 5_000 }, 5);
  faults.inject({ kind: "clock-skew", target: "broker-a", offsetMs: -2_000 }, 6);
  faults.heal({ kind: "clock-skew", target: "broker-a", offsetMs: 5_000 }, 5);
  faults.heal({ kind: "clock-skew", target: "broker-a", offsetMs: -2_000 }, 6);
  assert.deepEqual(calls, ["broker-a skew 5000", "broker-a skew -2000", "broker-a skew -2000", "broker-a skew 0"]);
});
