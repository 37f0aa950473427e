// Tiny programs written only against the Env interface, for the simulator's own tests and
// for smoke checks of a deployer: an echo server, a client that records what it receives,
// and a ticker. They are deliberately plain system-style code (no sim knowledge).
import type { Connection, Env } from "../../system/env/index.ts";
import type { NodeHandle } from "./node.ts";

export interface EchoServer extends NodeHandle {
  connections: number;
  bytesEchoed: number;
}

/** Echoes every byte back on the same connection. */
export function echoServer(port: number): (env: Env) => Promise<EchoServer> {
  return async (env) => {
    const server: EchoServer = { connections: 0, bytesEchoed: 0, stop: async () => listener.close() };
    const listener = await env.net.listen("0.0.0.0", port, (connection) => {
      server.connections++;
      connection.onData((chunk) => {
        server.bytesEchoed += chunk.length;
        connection.write(chunk);
      });
      connection.onClose(() => {});
    });
    return server;
  };
}

export interface Received {
  text: string;
  atMs: number;
}

/** A connection wrapper that records what arrives and how it closed. */
export class Recorder {
  readonly received: Received[] = [];
  closedWith: { reason: Error | undefined } | undefined;

  constructor(
    readonly connection: Connection,
    env: Env,
  ) {
    connection.onData((chunk) => this.received.push({ text: new TextDecoder().decode(chunk), atMs: env.clock.monotonicMs() }));
    connection.onClose((reason) => (this.closedWith = { reason }));
  }

  send(text: string): boolean {
    return this.connection.write(new TextEncoder().encode(text));
  }

  get text(): string {
    return this.received.map((item) => item.text).join("");
  }
}

export interface ClientHandle extends NodeHandle {
  recorder: Recorder;
  env: Env;
}

/** Connects to host:port once and records the stream. */
export function recordingClient(host: string, port: number, timeoutMs = 1000): (env: Env) => Promise<ClientHandle> {
  return async (env) => {
    const connection = await env.net.connect(host, port, { timeoutMs });
    const recorder = new Recorder(connection, env);
    return { recorder, env, stop: async () => connection.end() };
  };
}

export interface Ticker extends NodeHandle {
  ticks: number[];
}

/** Records the monotonic time of each tick of an interval. */
export function ticker(intervalMs: number): (env: Env) => Promise<Ticker> {
  return async (env) => {
    const ticks: number[] = [];
    const handle = env.timers.setInterval(() => ticks.push(env.clock.monotonicMs()), intervalMs);
    return { ticks, stop: async () => env.timers.clear(handle) };
  };
}
