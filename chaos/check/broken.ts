// `--broken <switch>[=value]`: which test-only fault (system/broker/test_faults.ts, which also
// gathers the NameServer's and replication's switches) a check turns on, to prove its property
// catches a deliberately broken cluster. Numeric switches take a value or a default that shows
// within a short run. Several switches: `--broken a,b=3` (parseBrokenSwitches).
import type { BrokerTestFaults } from "../../system/broker/index.ts";

type SwitchName = keyof BrokerTestFaults;

type SwitchSpec = ({ kind: "flag" } | { kind: "number"; defaultValue: number; what: string }) & {
  /**
   * The role that reads it, and the checker plus workload/fault shape that should expose it.
   * scenarios/library/broken_proofs.ts holds each shape as a runnable scenario (`mqlab run
   * broken/<switch> --broken <switch>`), proven by its test and `just check-ci`.
   */
  role: "broker" | "namesrv" | "ha";
  exposedBy: string;
};

const switches: Record<SwitchName, SwitchSpec> = {
  ackBeforeFlush: { kind: "flag", role: "broker", exposedBy: "no-acked-loss (delivery): SYNC_FLUSH broker with a slow disk (fsync ×200), power loss during sync sends (without the slow disk the ack-to-flush window is too short to hit)" },
  dropEveryNthSend: { kind: "number", defaultValue: 50, what: "N", role: "broker", exposedBy: "delivery (lost): any workload" },
  duplicatePullEveryNth: { kind: "number", defaultValue: 20, what: "N", role: "broker", exposedBy: "delivery (duplicates budget): any workload, no faults" },
  skipCommitOffset: { kind: "flag", role: "broker", exposedBy: "duplicates budget: a consumer crash and restart; the restarted consumer replays from the broker's never-moved offset, deeper than offsetPersistMs + slack before the crash (the replay-depth bound)" },
  writeBehindMs: { kind: "number", defaultValue: 500, what: "ms", role: "broker", exposedBy: "no-acked-loss: broker crash during sends" },
  lockGrantEveryone: {
    kind: "flag", role: "broker",
    // A scale-out (1 → 3 with processingMs 80) was measured NOT to show it: the old owner finishes
    // its in-flight message before it unlocks, and the new owner's lock + pull takes longer.
    exposedBy: "orderly exclusivity: an orderly group (ordered sends by key, processingMs ≥ 50) whose member is paused mid-message past clientExpiryMs: its queues move to another member that gets the lock at once while the paused one, resumed, still believes it holds it",
  },
  retryWithoutDelay: {
    kind: "flag", role: "broker",
    exposedBy: "retry: a group with failurePercent > 0 (RECONSUME_LATER); redeliveries arrive at once instead of after level 3 + reconsumeTimes (10 s, 30 s, ...)",
  },
  dlqOffByOne: {
    kind: "flag", role: "broker",
    exposedBy: "retry/DLQ: a group with poisonPercent > 0 and a small maxReconsumeTimes (2–3) plus readDlq; a poison message is delivered maxReconsumeTimes + 2 times before the DLQ",
  },
  delayIgnored: {
    kind: "flag", role: "broker",
    exposedBy: "delay: a producer with delayPercent > 0 (levels 1–3); delayed messages are delivered within milliseconds of their send",
  },
  namesrvKeepsClosedBroker: {
    kind: "flag", role: "namesrv",
    exposedBy: "route freshness: 2m-noslave, crash broker-a for > one route poll; clients' route events keep naming broker-a until the 120 s expiry instead of the next poll",
  },
  slaveCorruptsReplica: {
    kind: "number", defaultValue: 5, what: "N (every Nth frame)", role: "ha",
    exposedBy: "replica consistency: 2m-2s-sync or 2m-2s-async with steady sends and store-digest events after the run; the slave's log is not a prefix of its master's",
  },
  syncMasterAcksEarly: {
    kind: "flag", role: "ha",
    // Judged directly since the send-status checker knows SEND_OK from a SYNC_MASTER needs a
    // slave's ack: no power loss needed (before, it judged the claim by loss only, and a master
    // power loss under ASYNC_FLUSH was the only shape that showed it).
    exposedBy: "send statuses: 2m-2s-sync, steady sync sends, broker-a-s (the slave) crashed for a while; healthy sends answer SLAVE_NOT_AVAILABLE in that window, broken ones SEND_OK (a durability claim no slave backs)",
  },
  slaveSkipsOffsetSync: {
    kind: "flag", role: "ha",
    // The separately drawn faults almost never reach it (measured: 0 of 700 swarm runs): a
    // consumer that outlives its master commits to the slave within an offsetPersistMs, so the
    // slave's synced table is read only by consumers that start while the master is down.
    exposedBy: "duplicates budget (replay depth): 2m-2s-async, a group consuming for tens of seconds, then a rack failure (broker-a and every consumer crash at once; the consumers come back first and read broker-a's queue offsets from broker-a-s); they replay from the start instead of from within a sync interval + offsetPersistMs",
  },
  lastOffsetFromZero: {
    kind: "flag", role: "broker",
    // Caught since the late-join checker derives youngness from the run (commit-log bytes since
    // offset 0 vs totalPhysicalMemoryBytes × accessMessageInMemoryMaxRatio).
    exposedBy: "late joiners: a CONSUME_FROM_LAST_OFFSET group with startAtMs after the queue is no longer young (e.g. broker.conf totalPhysicalMemoryBytes=1048576 so offset 0 leaves memory after ~400 KB); it replays from 0",
  },
  sqlFilterIgnored: {
    kind: "flag", role: "broker",
    exposedBy: "sql-filter: enablePropertyFilter=true, producers with sqlProperties and a SQL92 group (sqlSelector); the group receives messages its selector does not match",
  },
};

/** Each switch with the role that reads it and the shape that should expose it (for docs and `--help`). */
export function brokenSwitchCatalog(): { name: string; role: string; exposedBy: string }[] {
  return Object.entries(switches).map(([name, spec]) => ({ name, role: spec.role, exposedBy: spec.exposedBy }));
}

export const brokenSwitchNames: readonly string[] = Object.keys(switches);

export function brokenUsage(): string {
  return Object.entries(switches)
    .map(([name, spec]) => (spec.kind === "flag" ? name : `${name}[=${spec.what}, default ${spec.defaultValue}]`))
    .join(" | ");
}

/** "writeBehindMs=200" → { writeBehindMs: 200 }; throws with the known names otherwise. */
export function parseBrokenSwitch(text: string): BrokerTestFaults {
  const [name = "", value] = text.split("=", 2);
  if (!Object.hasOwn(switches, name)) throw new Error(`unknown --broken switch "${name}" (known: ${brokenUsage()})`);
  const key = name as SwitchName;
  const spec = switches[key];
  if (spec.kind === "flag") {
    if (value !== undefined && value !== "true") throw new Error(`--broken ${name} takes no value`);
    return { [key]: true };
  }
  const parsed = value === undefined ? spec.defaultValue : Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--broken ${name}=${String(value)}: want a positive integer (${spec.what})`);
  return { [key]: parsed };
}

/** A short tag for directory names: "writeBehindMs-500". */
export function brokenTag(faults: BrokerTestFaults): string {
  return Object.entries(faults).map(([name, value]) => (value === true ? name : `${name}-${String(value)}`)).join("+");
}

/** "lockGrantEveryone,slaveCorruptsReplica=3" → both switches; each part as parseBrokenSwitch. */
export function parseBrokenSwitches(text: string): BrokerTestFaults {
  const faults: BrokerTestFaults = {};
  for (const part of text.split(",").map((item) => item.trim()).filter((item) => item !== "")) Object.assign(faults, parseBrokenSwitch(part));
  if (Object.keys(faults).length === 0) throw new Error(`--broken needs a switch (known: ${brokenUsage()})`);
  return faults;
}
