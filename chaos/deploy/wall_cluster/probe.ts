// A TCP connect probe: does host:port accept a connection from localAddress within timeoutMs?
// "ok", or the error code (ECONNREFUSED at once for a closed port or a REJECT rule, ETIMEDOUT
// for a DROP rule). The kernel accepts connections for a stopped process too, so `expectEcho`
// asks for an answer from the process itself. Used for readiness and by tests.
import * as net from "node:net";

export interface ProbeRequest {
  host: string;
  port: number;
  localAddress?: string;
  timeoutMs: number;
  /** After connecting, send a line and wait for any reply (does the process itself answer?). */
  expectEcho?: boolean;
}

export interface ProbeResult {
  ok: boolean;
  /** Error code when not ok. */
  code?: string;
  elapsedMs: number;
}

export function probeConnect(request: ProbeRequest): Promise<ProbeResult> {
  const startMs = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({
      host: request.host,
      port: request.port,
      ...(request.localAddress ? { localAddress: request.localAddress } : {}),
    });
    const finish = (ok: boolean, code?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, ...(code ? { code } : {}), elapsedMs: Math.round(performance.now() - startMs) });
    };
    let connected = false;
    // NOREPLY: the kernel accepted the connection but the process did not answer in time.
    const timer = setTimeout(() => finish(false, connected ? "NOREPLY" : "ETIMEDOUT"), request.timeoutMs);
    socket.once("connect", () => {
      connected = true;
      if (!request.expectEcho) return finish(true);
      socket.once("data", () => finish(true));
      socket.write("ping\n");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => finish(false, error.code ?? "ERROR"));
  });
}

/** Probes until the port accepts or deadlineMs passes; rejects with the last failure. */
export async function waitForPort(
  probe: (request: ProbeRequest) => Promise<ProbeResult>,
  request: Omit<ProbeRequest, "timeoutMs">,
  deadlineMs: number,
  stillRunning: () => boolean,
): Promise<number> {
  const startMs = performance.now();
  let last: ProbeResult | undefined;
  while (performance.now() - startMs < deadlineMs) {
    if (!stillRunning()) throw new Error(`exited before ${request.host}:${request.port} accepted connections`);
    last = await probe({ ...request, timeoutMs: 1_000 });
    if (last.ok) return Math.round(performance.now() - startMs);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${request.host}:${request.port} did not accept connections within ${deadlineMs} ms (last: ${last?.code ?? "no probe"})`);
}
