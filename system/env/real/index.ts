// The real Env: wall clock, Node timers, crypto randomness, node:net, node:fs, pino logs.
// This folder and system/cli/ are the only places in system/ allowed to touch Node's world.
import { randomBytes, randomInt } from "node:crypto";
import { pino } from "pino";
import type { Clock, Env, Log, LogFields, Random, TimerHandle, Timers } from "../env.ts";
import { RealDisk } from "./disk.ts";
import { RealNet } from "./net.ts";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const realClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

class RealTimers implements Timers {
  private nextTimerId = 1;
  private readonly live = new Map<number, NodeJS.Timeout>();

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timerId = this.nextTimerId++;
    this.live.set(
      timerId,
      setTimeout(() => {
        this.live.delete(timerId);
        callback();
      }, Math.max(0, delayMs)),
    );
    return { timerId };
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    const timerId = this.nextTimerId++;
    this.live.set(timerId, setInterval(callback, Math.max(1, intervalMs)));
    return { timerId };
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const timer = this.live.get(handle.timerId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.live.delete(handle.timerId);
  }

  clearAll(): void {
    for (const timer of this.live.values()) clearTimeout(timer);
    this.live.clear();
  }
}

const realRandom: Random = {
  nextU32: () => randomBytes(4).readUInt32BE(0),
  intBetween: (minInclusive, maxInclusive) => randomInt(minInclusive, maxInclusive + 1),
  chance: (numerator, denominator) => randomInt(0, denominator) < numerator,
  bytes: (sizeBytes) => new Uint8Array(randomBytes(sizeBytes)),
};

function wrapPino(logger: pino.Logger): Log {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (bindings: LogFields) => wrapPino(logger.child(bindings)),
  };
}

export interface RealEnvOptions {
  nodeName: string;
  /** Default: $MQLAB_LOG_LEVEL, else "info". */
  logLevel?: LogLevel;
  /** Where log lines go; default stderr (fd 2). */
  logFd?: number;
  /**
   * Source address of outgoing connections. Default: $MQLAB_SOURCE_ADDRESS (set by the lab's
   * process deployer on each node it starts), else the kernel's choice.
   */
  sourceAddress?: string;
}

export interface RealEnv extends Env {
  /** Clears timers and closes every socket and server this Env opened. */
  close(): void;
}

export function createRealEnv(options: RealEnvOptions): RealEnv {
  const timers = new RealTimers();
  const net = new RealNet({ sourceAddress: options.sourceAddress ?? process.env["MQLAB_SOURCE_ADDRESS"] });
  const level = options.logLevel ?? (process.env["MQLAB_LOG_LEVEL"] as LogLevel | undefined) ?? "info";
  const logger = pino(
    {
      level,
      base: { node: options.nodeName },
      timestamp: () => `,"time":${realClock.nowMs()}`,
    },
    pino.destination({ dest: options.logFd ?? 2, sync: true }),
  );
  return {
    nodeName: options.nodeName,
    clock: realClock,
    timers,
    random: realRandom,
    net,
    disk: new RealDisk(),
    log: wrapPino(logger),
    close: () => {
      timers.clearAll();
      net.closeAll();
    },
  };
}
