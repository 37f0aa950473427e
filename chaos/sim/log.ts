// Simulated structured logging: each machine keeps its last lines in a bounded ring (it
// survives process crashes, like a log file would; the lab reads it after a failure), and
// an optional sink sees every line as it is logged (e.g. to print a run).
//
// Timestamps come from the node's clock (so clock skew shows in its lines), plus the true
// virtual time for ordering lines across nodes. Debug lines are dropped unless enabled,
// before any formatting work. Log lines never feed the trace hash.
import type { Log, LogFields } from "../../system/env/index.ts";
import { assert } from "../../system/stdx/index.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface SimLogLine {
  /** Node clock reading (ms since the Unix epoch, includes skew). */
  timeMs: number;
  /** True virtual time of the world in ms since the run started. */
  virtualMs: number;
  node: string;
  incarnation: number;
  level: LogLevel;
  message: string;
  fields: LogFields;
}

export type SimLogSink = (line: SimLogLine) => void;

/** A bounded ring of lines for one machine. */
export class LogRing {
  private readonly lines: SimLogLine[] = [];
  private next = 0;
  constructor(private readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, "log ring capacity must be > 0");
  }

  push(line: SimLogLine): void {
    if (this.lines.length < this.capacity) {
      this.lines.push(line);
      return;
    }
    this.lines[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  all(): SimLogLine[] {
    return [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
  }
}

export interface SimLogContext {
  readonly node: string;
  readonly incarnation: number;
  readonly minLevel: LogLevel;
  readonly ring: LogRing;
  readonly sink: SimLogSink | undefined;
  nowMs(): number;
  virtualMs(): number;
  /** False once the incarnation died: a zombie continuation must not log. */
  alive(): boolean;
}

export class SimLog implements Log {
  constructor(
    private readonly context: SimLogContext,
    private readonly bindings: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write("error", message, fields);
  }
  child(bindings: LogFields): Log {
    return new SimLog(this.context, { ...this.bindings, ...bindings });
  }

  private write(level: LogLevel, message: string, fields: LogFields | undefined): void {
    const context = this.context;
    if (levelRank[level] < levelRank[context.minLevel]) return;
    if (!context.alive()) return;
    const line: SimLogLine = {
      timeMs: context.nowMs(),
      virtualMs: context.virtualMs(),
      node: context.node,
      incarnation: context.incarnation,
      level,
      message,
      fields: fields === undefined ? this.bindings : { ...this.bindings, ...fields },
    };
    context.ring.push(line);
    context.sink?.(line);
  }
}

/** One human line: node-clock ISO time, virtual ms, node#incarnation, level, message, fields. */
export function formatLogLine(line: SimLogLine): string {
  const fields = Object.keys(line.fields).length === 0 ? "" : ` ${safeJson(line.fields)}`;
  const virtual = line.virtualMs.toFixed(3).padStart(12);
  return `${new Date(line.timeMs).toISOString()} ${virtual} ${line.node}#${line.incarnation} ${line.level.toUpperCase()} ${line.message}${fields}`;
}

/** A sink that prints every line through write (e.g. process.stdout), for watching a run. */
export function printingSink(write: (text: string) => void): SimLogSink {
  return (line) => write(formatLogLine(line) + "\n");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
  } catch {
    return "[unserialisable fields]";
  }
}
