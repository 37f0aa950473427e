// A delaying TCP relay: the process deployer's real mechanism for added delay, since tc netem is
// missing from these machines' kernels. nftables DNAT sends the faulted flow's new connections
// (source node → target node's service port) to the relay; the relay connects on to the real
// target *from the source node's own address* (so the target still sees who is talking, and
// firewall rules still match), on a source port from a reserved range that the DNAT rule
// skips (no loop), and holds every chunk for delay + uniform jitter before passing it on.
// Chunks never overtake each other (TCP order). Runs inside the run's namespace (agent.ts).
import * as net from "node:net";

/** Source ports the relay's own connections use; outside Linux's ephemeral range (32768–60999). */
export const relaySourcePorts = { first: 61_000, last: 61_999 } as const;

export interface RelaySpec {
  id: string;
  listenHost: string;
  listenPort: number;
  targetHost: string;
  targetPort: number;
  /** Delay of bytes towards the target, and of bytes coming back. */
  forward: { delayMs: number; jitterMs: number };
  backward: { delayMs: number; jitterMs: number };
}

type Delay = RelaySpec["forward"];

/** Passes chunks from one socket to another after a delay, in order. */
class DelayedPipe {
  private lastDueMs = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly delay: () => Delay, private readonly to: net.Socket) {}

  push(chunk: Buffer): void {
    const { delayMs, jitterMs } = this.delay();
    const nowMs = performance.now();
    const dueMs = Math.max(this.lastDueMs, nowMs + delayMs + (jitterMs > 0 ? Math.random() * jitterMs : 0));
    this.lastDueMs = dueMs;
    if (dueMs <= nowMs) {
      this.to.write(chunk);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.to.destroyed) this.to.write(chunk);
    }, dueMs - nowMs);
    this.timers.add(timer);
  }

  /** Ends the destination once every held chunk is out. */
  end(): void {
    const waitMs = Math.max(0, this.lastDueMs - performance.now());
    setTimeout(() => this.to.end(), waitMs + 1);
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

function connectFromSource(spec: RelaySpec, sourceHost: string): net.Socket {
  // A port taken by another relayed connection fails this one like a refused connect would.
  const span = relaySourcePorts.last - relaySourcePorts.first + 1;
  const localPort = relaySourcePorts.first + Math.floor(Math.random() * span);
  return net.connect({ host: spec.targetHost, port: spec.targetPort, localAddress: sourceHost, localPort, noDelay: true });
}

export class DelayRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private delays: { forward: Delay; backward: Delay };

  constructor(readonly spec: RelaySpec) {
    this.delays = { forward: spec.forward, backward: spec.backward };
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (inbound) => this.relay(inbound));
      server.once("error", reject);
      server.listen({ host: this.spec.listenHost, port: this.spec.listenPort, exclusive: true }, () => resolve());
      this.server = server;
    });
  }

  private relay(inbound: net.Socket): void {
    const sourceHost = (inbound.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
    const outbound = connectFromSource(this.spec, sourceHost);
    this.sockets.add(inbound).add(outbound);
    const toTarget = new DelayedPipe(() => this.delays.forward, outbound);
    const toSource = new DelayedPipe(() => this.delays.backward, inbound);
    inbound.on("data", (chunk: Buffer) => toTarget.push(chunk));
    outbound.on("data", (chunk: Buffer) => toSource.push(chunk));
    inbound.on("end", () => toTarget.end());
    outbound.on("end", () => toSource.end());
    const destroyBoth = (): void => {
      toTarget.cancel();
      toSource.cancel();
      inbound.destroy();
      outbound.destroy();
    };
    // A refused or reset target is passed on as a reset, as a direct connection would see it.
    inbound.on("error", destroyBoth);
    outbound.on("error", () => {
      toTarget.cancel();
      toSource.cancel();
      inbound.resetAndDestroy();
      outbound.destroy();
    });
    inbound.on("close", () => this.sockets.delete(inbound));
    outbound.on("close", () => this.sockets.delete(outbound));
  }

  /** Heal: no new connections; the relayed ones go on without delay until they close. */
  stop(): void {
    this.delays = { forward: { delayMs: 0, jitterMs: 0 }, backward: { delayMs: 0, jitterMs: 0 } };
    // close() stops accepting at once; its callback would wait for the relayed connections.
    this.server?.close();
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server?.close();
  }
}
