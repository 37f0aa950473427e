// Faults are data (a discriminated union): a scenario's schedule lists them, the nemesis of
// each deployer turns them into actions, the report shades them on the timeline. Each fault
// has an inject and a heal; for crash-like faults the heal is a restart from the node's disk.
//
// Node names: "namesrv-1", "namesrv-2", brokers by their broker.conf file stem ("broker-a",
// "broker-a-s", "broker-b", ...; in 1m the single broker is "broker-a"), workload clients
// "producer-1", "consumer-<group>-1" ... Ports are named by role so a fault can say "the broker
// port" without knowing numbers.

export type PortRole = "broker" | "broker-vip" | "ha" | "namesrv" | "any";

export type Fault =
  /** SIGKILL-like: the process dies, the OS page cache survives. Heal: restart. */
  | { kind: "crash"; target: string }
  /** The machine loses power: unsynced bytes are lost (sim only). Heal: restart. */
  | { kind: "power-loss"; target: string }
  /**
   * SIGTERM-like: the node shuts down cleanly (a broker flushes, persists its offsets and removes
   * its abort file; clients unregister). Heal: start it again from its disk (sim only).
   */
  | { kind: "clean-restart"; target: string }
  /** SIGSTOP-like: the node freezes; peers see silence. Heal: resume. */
  | { kind: "pause"; target: string }
  /** Packets from `source` to `target` (on that port) are dropped or rejected. Heal: remove. */
  | { kind: "firewall"; source: string; target: string; port: PortRole; mode: "drop" | "reject"; direction: "one-way" | "both" }
  /** Broker→NameServer registrations (scope broker) or client→broker heartbeats are lost. */
  | { kind: "heartbeat-loss"; scope: "broker-to-namesrv" | "client-to-broker"; source: string }
  /** Network partition shapes (Jepsen's names). `target` is the node isolated / bridged. */
  | { kind: "partition"; shape: "isolate" | "halves" | "bridge" | "majorities-ring"; target?: string }
  /**
   * Extra delay, jitter and loss on the flow source→target (both directions when "both");
   * with bandwidthBytesPerSecond the flow is also a slow link: each write waits for the ones
   * before it and takes its size ÷ bandwidth to cross (sim only); with resetPercent a flaky
   * middlebox resets connections inside frames (sim only).
   */
  | {
    kind: "flow"; source: string; target: string; delayMs: number; jitterMs: number; lossPercent: number; direction: "one-way" | "both"; bandwidthBytesPerSecond?: number;
    /** Each write on the flow resets its connection mid-frame with this probability, in % (sim only). */
    resetPercent?: number;
  }
  /**
   * A middlebox resets the established TCP connections between source and target (whichever
   * side connected; only those to target's `port` when given). midFrame: a frame in flight is
   * cut at a random byte, the rest never arrives (with nothing in flight, the next frame
   * either side writes is cut); otherwise what was written arrives, then RST. The source's
   * side hears the RST first, the target's side asymmetricDelayMs later, and writes
   * into the void meanwhile. Instantaneous: clients reconnect by themselves; the heal only
   * disarms a mid-frame reset still waiting for a write (sim only).
   */
  | { kind: "connection-reset"; source: string; target: string; port?: PortRole; midFrame: boolean; asymmetricDelayMs?: number }
  /** The node's wall clock jumps by offsetMs (sim only). */
  | { kind: "clock-skew"; target: string; offsetMs: number }
  /** fsync gets `factor` times slower. */
  | { kind: "slow-disk"; target: string; factor: number }
  /** The node's disk has no free space: writes fail with ENOSPC; heal frees it and starts the node again if a restart failed meanwhile. */
  | { kind: "disk-full"; target: string }
  /**
   * The node's disk fails I/O with EIO (a dying disk): writes and new files ("write"), fsyncs
   * ("fsync", nothing becomes durable), or both; or its inodes run out ("create": creating a file
   * fails with ENOSPC while existing files still take data); heal makes it healthy and starts
   * the node again if a restart failed on the sick disk meanwhile (sim only).
   */
  | { kind: "disk-error"; target: string; errors: "write" | "fsync" | "both" | "create" }
  /** Every NameServer is down (crash); heal restarts them. */
  | { kind: "namesrv-all-down" }
  /**
   * ACL: the workload client `target` signs with `secretKey` from now on (a wrong or rotated
   * secret on one client); heal gives it back the scenario's secret (sim only).
   */
  | { kind: "acl-secret"; target: string; secretKey: string }
  /**
   * ACL: the broker `target`'s plain_acl.yml is replaced by `text` (a revoked permission, a
   * rotated key, a malformed edit); the broker's watcher picks it up; heal restores the
   * scenario's file (sim and process deployers).
   */
  | { kind: "acl-file"; target: string; text: string }
  /**
   * A rogue peer connects to the target's remoting port (a NameServer's port, a broker's
   * listenPort) again and again and sends it frames that cannot be decoded and requests nobody
   * can serve (chaos/faults/rogue_peer.ts); the target must close or answer each and keep serving
   * everyone else (checker rogue-peer). Heal: the rogue stops. Sim (a node of its own) and process
   * deployers (a worker process of its own).
   */
  | { kind: "rogue-peer"; target: string };

export type FaultKind = Fault["kind"];

export const allFaultKinds: readonly FaultKind[] = [
  "crash", "power-loss", "clean-restart", "pause", "firewall", "heartbeat-loss", "partition", "flow",
  "connection-reset", "clock-skew", "slow-disk", "disk-full", "disk-error", "namesrv-all-down", "acl-secret", "acl-file",
  "rogue-peer",
];

/**
 * Faults the cluster must shrug off: they open no window that excuses an anomaly to the
 * checkers (a rogue peer's garbage may not disturb anyone else; its own checker judges it).
 */
export function excusesNothing(kind: string): boolean {
  return kind === "rogue-peer";
}

/** Faults that act at one instant: their effect ends when they are injected, heal or not. */
export function isInstantFault(fault: Fault): boolean {
  return fault.kind === "connection-reset";
}

/** One fault on the timeline: injected at atMs, healed at healAtMs (never, if absent). */
export interface ScheduledFault {
  atMs: number;
  healAtMs?: number;
  fault: Fault;
}

/** The node or flow a fault acts on, for reports and `mqlab list`. */
export function faultTarget(fault: Fault): string {
  switch (fault.kind) {
    case "firewall":
    case "flow":
    case "connection-reset":
      return `${fault.source}->${fault.target}`;
    case "heartbeat-loss":
      return fault.source;
    case "partition":
      return fault.target ?? fault.shape;
    case "namesrv-all-down":
      return "namesrv-*";
    default:
      return fault.target;
  }
}

export class UnsupportedFaultError extends Error {
  constructor(deployer: string, kind: FaultKind, why: string) {
    super(`the ${deployer} deployer cannot inject "${kind}": ${why}`);
    this.name = "UnsupportedFaultError";
  }
}

/** Every node a fault names (both ends of a firewall, flow or reset; none for cluster-wide ones). */
export function faultNodes(fault: Fault): string[] {
  switch (fault.kind) {
    case "firewall":
    case "flow":
    case "connection-reset":
      return [fault.source, fault.target];
    case "heartbeat-loss":
      return [fault.source];
    case "partition":
      return fault.target === undefined ? [] : [fault.target];
    case "namesrv-all-down":
      return [];
    default:
      return [fault.target];
  }
}
