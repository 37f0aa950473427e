// Measurement drivers shared by every peer of the side-by-side benchmark: a sliding window of
// requests in flight, strictly sequential requests (latency), and process CPU/RSS sampling
// from /proc. Every figure is measured here; nothing is asserted.
import { readFileSync } from "node:fs";

export interface Figure {
  peer: string;
  mode: string;
  count: number;
  seconds: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuPct: number;
  serverRssMiB: number;
  /** Server process CPU (user + system) per message, µs: what load on other cores changes least. */
  serverCpuUsPerMsg: number;
  /** This process's CPU per message, µs: the client library's cost (plus the driver's). */
  clientCpuUsPerMsg: number;
}

export type Issue = (index: number) => Promise<unknown>;

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export interface Measured { count: number; seconds: number; rate: number; p50Ms: number; p99Ms: number }

function summarize(latencies: Float64Array, seconds: number): Measured {
  const sorted = Float64Array.from(latencies).sort();
  return { count: latencies.length, seconds, rate: latencies.length / seconds, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

/** Keeps `window` requests outstanding until `total` are acked or maxSeconds pass. */
export async function runWindow(total: number, window: number, maxSeconds: number, issue: Issue): Promise<Measured> {
  const latencies = new Float64Array(total);
  let issued = 0;
  let completed = 0;
  let inflight = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  let ended = started;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const pump = (): void => {
      const timeUp = performance.now() > deadline;
      while (!failed && !timeUp && inflight < window && issued < total) {
        const index = issued++;
        inflight++;
        const at = performance.now();
        issue(index).then(() => {
          ended = performance.now();
          latencies[completed++] = ended - at;
          inflight--;
          if (inflight === 0 && (issued === total || performance.now() > deadline)) resolve();
          else pump();
        }, (error: unknown) => {
          failed = true;
          reject(error instanceof Error ? error : new Error(String(error)));
        });
      }
    };
    pump();
  });
  return summarize(latencies.subarray(0, completed), (ended - started) / 1000);
}

const warmChunkCount = 10_000;
const warmSteadyRatio = 0.1;
const warmMaxFactor = 8;

/**
 * Unmeasured requests before a system's measurements: at least minCount, then chunks of
 * warmChunkCount until one runs within warmSteadyRatio of the rate of the one before, at most
 * warmMaxFactor × minCount in all. Why: a fixed count warms a small client (the NATS and Redis
 * drivers here) but not mqlab's, by far the most code, which ran a third slower over its first
 * 100k publishes in a cold process. Every system warms up by this same rule; returns how many it took.
 */
export async function warmUp(minCount: number, window: number, maxSeconds: number, issue: Issue): Promise<number> {
  await runWindow(minCount, window, maxSeconds, issue);
  let count = minCount;
  let previousRate = 0;
  while (count + warmChunkCount <= warmMaxFactor * minCount) {
    const { rate } = await runWindow(warmChunkCount, window, maxSeconds, issue);
    count += warmChunkCount;
    if (previousRate > 0 && Math.abs(rate / previousRate - 1) < warmSteadyRatio) break;
    previousRate = rate;
  }
  return count;
}

/** One request at a time: per-message latency. *//** One request at a time: per-message latency. */
export async function runSequential(total: number, maxSeconds: number, issue: Issue): Promise<Measured> {
  const latencies = new Float64Array(total);
  let count = 0;
  const started = performance.now();
  let now = started;
  while (count < total && now - started < maxSeconds * 1000) {
    const at = performance.now();
    await issue(count);
    now = performance.now();
    latencies[count++] = now - at;
  }
  return summarize(latencies.subarray(0, count), (now - started) / 1000);
}

const ticksPerSecond = 100;

/** User+system CPU seconds of one process (0 when it is gone). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

export function processRssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return match === null ? NaN : Number(match[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** Runs one measurement and adds the server's CPU share and RSS. */
export async function measure(peer: string, mode: string, serverPid: number | undefined, run: () => Promise<Measured>): Promise<Figure> {
  const cpuBefore = processCpuSeconds(serverPid);
  const clientBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const measured = await run();
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const clientCpu = process.cpuUsage(clientBefore);
  const serverCpuSeconds = processCpuSeconds(serverPid) - cpuBefore;
  const serverCpuPct = (100 * serverCpuSeconds) / wallSeconds;
  const perMessage = (us: number): number => (measured.count > 0 ? us / measured.count : NaN);
  const figure = {
    peer, mode, ...measured, serverCpuPct, serverRssMiB: processRssMiB(serverPid),
    serverCpuUsPerMsg: perMessage(serverCpuSeconds * 1e6), clientCpuUsPerMsg: perMessage(clientCpu.user + clientCpu.system),
  };
  console.error(`  ${peer} ${mode}: ${Math.round(figure.rate)} msgs/s p50 ${figure.p50Ms.toFixed(3)} ms p99 ${figure.p99Ms.toFixed(3)} ms n ${figure.count} srv CPU ${Math.round(serverCpuPct)}%` +
    ` CPU µs/msg srv ${figure.serverCpuUsPerMsg.toFixed(1)} client ${figure.clientCpuUsPerMsg.toFixed(1)}`);
  return figure;
}
