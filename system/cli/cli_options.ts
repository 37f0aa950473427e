// Option value parsers for commander (`.option(flags, text, parser)`): each turns the text into a
// checked value or throws InvalidArgumentError, which the boundary (cli_boundary.ts) prints as
// one line and exit 2. Every numeric, enumerated, shard or path option of the CLIs uses one.
import { accessSync, constants } from "node:fs";
import { InvalidArgumentError } from "commander";

/** A safe integer in [min, max]. */
export function integerIn(min: number, max: number = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`"${text}" is not an integer${max === Number.MAX_SAFE_INTEGER ? ` ≥ ${min}` : ` in ${min}..${max}`}`);
    }
    return value;
  };
}

/** A finite number ≥ min (exclusive when strict). */
export function numberFrom(min: number, strict = false): (text: string) => number {
  return (text) => {
    const value = text.trim() === "" ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || value < min || (strict && value === min)) {
      throw new InvalidArgumentError(`"${text}" is not a number ${strict ? ">" : "≥"} ${min}`);
    }
    return value;
  };
}

/** One of the given names. */
export function oneOf<T extends string>(names: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(names as readonly string[]).includes(text)) throw new InvalidArgumentError(`"${text}" is not one of ${names.join(", ")}`);
    return text as T;
  };
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** "k/n" with 1 ≤ k ≤ n. */
export function parseShardText(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`"${text}" is not a shard k/n with 1 ≤ k ≤ n`);
  return { index, count };
}

/** A path that exists and can be read. */
export function readablePath(text: string): string {
  try {
    accessSync(text, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(code === "ENOENT" ? `${text}: no such file or directory` : `${text}: cannot be read (${code ?? "error"})`);
  }
  return text;
}
