// Per-machine network state: listeners by port, open endpoints, and ephemeral ports.
//
// Ephemeral ports follow Linux's default range (32768-60999) and are handed out round-robin
// per host, so a run's addresses are deterministic. A listener belongs to the incarnation
// that opened it: it dies with the process, and its accept callbacks run on that thread.
import type { Connection, Listener } from "../../system/env/index.ts";
import { assert } from "../../system/stdx/index.ts";
import type { NodeThread, SimCore } from "./core.ts";
import type { Endpoint } from "./net_connection.ts";
import { TraceKind } from "./trace.ts";

const ephemeralFirst = 32768;
const ephemeralLast = 60999;

export interface HostInfo {
  readonly nodeIndex: number;
  readonly name: string;
  readonly ip: string;
  readonly hostUp: boolean;
}

export class NetHostState {
  readonly listeners = new Map<number, SimListener>();
  /** Endpoints of the current process, in creation order (Set keeps insertion order). */
  readonly endpoints = new Set<Endpoint>();
  /** Local ports held by outgoing connections and connect attempts. */
  readonly usedPorts = new Set<number>();
  private portNext = ephemeralFirst;

  constructor(readonly host: HostInfo) {}

  portInUse(port: number): boolean {
    return this.listeners.has(port) || this.usedPorts.has(port);
  }

  /** The next free ephemeral port, or undefined when all are taken. */
  allocatePort(): number | undefined {
    const span = ephemeralLast - ephemeralFirst + 1;
    for (let tries = 0; tries < span; tries++) {
      const port = this.portNext;
      this.portNext = port === ephemeralLast ? ephemeralFirst : port + 1;
      if (!this.portInUse(port)) return port;
    }
    return undefined;
  }
}

/** The slice of SimNet a listener needs (avoids an import cycle with net.ts). */
export interface ListenerOwner {
  readonly core: SimCore;
}

export class SimListener implements Listener {
  readonly address: string;
  private closed = false;

  constructor(
    private readonly owner: ListenerOwner,
    readonly state: NetHostState,
    readonly thread: NodeThread,
    readonly port: number,
    /** Bound to 127.0.0.1: other hosts are refused. */
    readonly loopbackOnly: boolean,
    private readonly onConnection: (connection: Connection) => void,
  ) {
    assert(port > 0 && port <= 65535);
    this.address = `${loopbackOnly ? "127.0.0.1" : state.host.ip}:${port}`;
  }

  /** Runs on the listener's thread once the handshake completed in the kernel. */
  accept(endpoint: Endpoint): void {
    if (this.closed) {
      endpoint.destroy();
      return;
    }
    this.onConnection(endpoint);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.state.listeners.get(this.port) === this) this.state.listeners.delete(this.port);
      this.owner.core.trace(TraceKind.listenClose, this.thread.nodeIndex, this.port, 0);
    }
    const core = this.owner.core;
    return new Promise((resolve) => core.at(core.nowUs, () => this.thread.post(resolve)));
  }

  /** The process died: the port is free at once, nothing is ever called again. */
  kill(): void {
    this.closed = true;
  }
}
