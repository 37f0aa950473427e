// Per-run ports for host-mode process runs. Without a network namespace every run shares the
// host's ports, and mqbroker binds 0.0.0.0 (as RocketMQ does), so two runs — or a run and a
// `just cluster` on the default 9876/10911 — must not plan the same port numbers. A run claims a
// block of 100 (or more) consecutive ports and lays its plan out inside it:
//   base + 0, + 100, ...  the claim: listeners the lab process holds on 127.0.0.1 for the run's
//                         life, one per 100 ports (an exclusive bind is the lock; the kernel
//                         drops it when the process dies, so a crashed lab leaves no stale
//                         claim); no node port is ever a multiple of 100 from the base
//   base + 1 ..           NameServers (the block's "9876, 9877, ...")
//   base + 10k + 1 ..     brokers, 10 apart (the block's "10911, 10921, ..."; VIP −2, HA +1)
// Blocks lie in [20000, 65536) outside the kernel's ephemeral range (ip_local_port_range),
// where no port is handed out implicitly: only explicit binds take them. Every planned port is
// test-bound where its node will bind it before the block is taken, so a foreign listener in
// the block moves the run to the next block. The first block tried comes from the run id, so
// concurrent runs start far apart. Namespace runs do not use this: their plan is fixed.
import { createServer, type Server } from "node:net";
import { readFileSync } from "node:fs";
import { assert } from "../../../system/stdx/index.ts";
import type { AddressPlanOptions } from "../address_plan.ts";

export const portBlockSizePorts = 100;
const lowestPort = 20_000;
const highestPort = 65_535;
/** Blocks tried before giving up: enough to step over a crowded stretch, few enough to fail fast. */
const maxAttempts = 40;

/** Where the nodes of a plan sit inside a block starting at basePort. */
export interface BlockLayout {
  namesrvBasePort: number;
  brokerBasePort: number;
  brokerPortStep: number;
  /** Ports the block spans (a multiple of portBlockSizePorts). */
  sizePorts: number;
}

export function blockLayout(basePort: number, nameServerCount: number, brokerCount: number): BlockLayout {
  // Node offsets are 1..9 modulo 10 (NameServers 1.., brokers 10k−1, 10k+1, 10k+2), never a claim's 100k.
  assert(nameServerCount >= 0 && nameServerCount < 90, `${nameServerCount} NameServers do not fit a port block`);
  const brokerPortStep = 10;
  // The first broker's VIP port (listenPort − 2) must clear the last NameServer.
  const brokerOffset = 10 * Math.ceil((nameServerCount + 3) / 10) + 1;
  const lastOffset = brokerOffset + brokerPortStep * Math.max(0, brokerCount - 1) + 1;
  const sizePorts = portBlockSizePorts * Math.ceil((lastOffset + 1) / portBlockSizePorts);
  return { namesrvBasePort: basePort + 1, brokerBasePort: basePort + brokerOffset, brokerPortStep, sizePorts };
}

/** The kernel's ephemeral port range (Linux), or the IANA one elsewhere. */
export function ephemeralPortRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high)) return { low, high };
  } catch {
    // not Linux: fall through to the IANA dynamic range
  }
  return { low: 49_152, high: 65_535 };
}

/** Block base ports outside the ephemeral range, first the one the run id picks, then onwards (wrapping). */
export function candidateBases(runId: string, sizePorts: number, ephemeral = ephemeralPortRange()): number[] {
  const bases: number[] = [];
  for (let base = lowestPort; base + sizePorts - 1 <= highestPort; base += sizePorts) {
    if (base + sizePorts - 1 < ephemeral.low || base > ephemeral.high) bases.push(base);
  }
  if (bases.length === 0) return [];
  let hash = 0x811c9dc5;
  for (const char of runId) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  const start = hash % bases.length;
  return [...bases.slice(start), ...bases.slice(0, start)];
}

export function layoutAddressOptions(layout: BlockLayout, base: AddressPlanOptions = {}): AddressPlanOptions {
  return { ...base, namesrvBasePort: layout.namesrvBasePort, brokerBasePort: layout.brokerBasePort, brokerPortStep: layout.brokerPortStep };
}

function listen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port a node will bind, and on which address (mqbroker: 0.0.0.0; NameServer: its own IP). */
export interface PlannedBind {
  port: number;
  host: string;
}

export class PortBlock {
  private constructor(readonly basePort: number, readonly layout: BlockLayout, private claims: Server[]) {}

  /**
   * Claims the first free block for a run: holds base + 0, then checks that every port
   * `binds(layout)` names can be bound. Throws, naming the blocks tried, when none is free.
   */
  static async claim(runId: string, nameServerCount: number, brokerCount: number, binds: (layout: BlockLayout) => PlannedBind[]): Promise<PortBlock> {
    const sizePorts = blockLayout(lowestPort, nameServerCount, brokerCount).sizePorts;
    const bases = candidateBases(runId, sizePorts).slice(0, maxAttempts);
    const busy: string[] = [];
    for (const base of bases) {
      const claims: Server[] = [];
      for (let offset = 0; offset < sizePorts; offset += portBlockSizePorts) {
        const claim = await listen(base + offset, "127.0.0.1");
        if (!claim) break;
        claim.unref();
        claims.push(claim);
      }
      const layout = blockLayout(base, nameServerCount, brokerCount);
      const taken = claims.length < sizePorts / portBlockSizePorts ? "claimed by another run" : await firstTaken(binds(layout));
      if (taken === undefined) return new PortBlock(base, layout, claims);
      busy.push(`${base} (${typeof taken === "string" ? taken : `${taken.host}:${taken.port} in use`})`);
      await Promise.all(claims.map(close));
    }
    throw new Error(`no free block of ${sizePorts} ports for a host-mode run in ${lowestPort}..${highestPort} outside the ephemeral range; tried ${busy.join(", ") || "none"}`);
  }

  /** The address plan options that place the run's nodes in this block. */
  addressOptions(base: AddressPlanOptions = {}): AddressPlanOptions {
    return layoutAddressOptions(this.layout, base);
  }

  get held(): boolean {
    return this.claims.length > 0;
  }

  /** Lets the block go (idempotent). */
  async release(): Promise<void> {
    const claims = this.claims;
    this.claims = [];
    await Promise.all(claims.map(close));
  }

  /** Exit-handler version: the kernel frees the ports with the process anyway. */
  releaseSync(): void {
    for (const claim of this.claims) claim.close();
    this.claims = [];
  }
}

async function firstTaken(binds: readonly PlannedBind[]): Promise<PlannedBind | undefined> {
  for (const bind of binds) {
    assert(bind.port > 0 && bind.port <= highestPort, `port ${bind.port} out of range`);
    const server = await listen(bind.port, bind.host);
    if (!server) return bind;
    await close(server);
  }
  return undefined;
}
