// Readiness from a node's own log (testcontainers' Wait.forLogMessage): some states have no
// port to probe from outside, e.g. a slave's HA connection to its master. Polls the log file from
// where the last read stopped, so a long log is read once.
import { closeSync, openSync, readSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Intervals } from "../../scenario.ts";

/** What a slave's HA client logs once connected (system/ha/ha_client.ts). */
export const slaveConnectedLine = /"msg":"connected to master"/;

/**
 * How long bring-up waits for a slave's HA connection: one registration interval (a slave that
 * registered before its master learns the address at the next) plus start-up slack.
 */
export function slaveConnectWaitMs(intervals: Intervals): number {
  return intervals.brokerRegisterMs + 10_000;
}

export interface LogWait {
  logPath: string;
  /** Matched against each whole line. */
  line: RegExp;
  deadlineMs: number;
  pollMs?: number;
  /** Stops the wait early (false) when the process is gone. */
  stillRunning?: () => boolean;
}

/** True once a line matches, false if the deadline passed or the process stopped first. */
export async function waitForLogLine(wait: LogWait): Promise<boolean> {
  const startMs = performance.now();
  let offset = 0;
  let partial = "";
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(wait.logPath, "r");
      for (;;) {
        const bytesRead = readSync(fd, chunk, 0, chunk.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const lines = (partial + chunk.toString("utf8", 0, bytesRead)).split("\n");
        partial = lines.pop() ?? "";
        if (lines.some((text) => wait.line.test(text))) return true;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (performance.now() - startMs >= wait.deadlineMs) return false;
    if (wait.stillRunning !== undefined && !wait.stillRunning()) return false;
    await sleep(wait.pollMs ?? 100);
  }
}
