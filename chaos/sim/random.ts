// Seeded randomness for the simulator: xoroshiro128+ from pure-rand (the PRNG behind
// fast-check), pinned by package-lock, wrapped in the Env's integer-only Random API.
//
// Streams are derived, never shared: each consumer (a node incarnation, the network, one
// disk) gets its own generator whose 128-bit state is sha256("mqlab-sim/v1", seed, labels).
// Adding a node or a disk therefore does not perturb any other stream. Probabilities are
// integer ratios (chance(numerator, denominator)); no floats reach a decision.
// The NoRegression test (random.test.ts) pins the first values for seed 42: if it changes,
// every recorded seed stops replaying, so treat a diff there as a breaking change.
import { createHash } from "node:crypto";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import type { Random } from "../../system/env/index.ts";
import { assert } from "../../system/stdx/index.ts";

const streamDomain = "mqlab-sim/v1";

export class SimRandom implements Random {
  constructor(private readonly generator: RandomGenerator) {}

  nextU32(): number {
    return this.generator.next() >>> 0;
  }

  intBetween(minInclusive: number, maxInclusive: number): number {
    assert(Number.isSafeInteger(minInclusive), "intBetween: min must be a safe integer");
    assert(Number.isSafeInteger(maxInclusive), "intBetween: max must be a safe integer");
    assert(minInclusive <= maxInclusive, "intBetween: min must be <= max");
    return uniformInt(this.generator, minInclusive, maxInclusive);
  }

  chance(numerator: number, denominator: number): boolean {
    assert(Number.isSafeInteger(numerator) && numerator >= 0, "chance: numerator >= 0");
    assert(Number.isSafeInteger(denominator) && denominator > 0, "chance: denominator > 0");
    assert(numerator <= denominator, "chance: numerator <= denominator");
    // Always draw, even for 0 or 1, so a stream's position does not depend on the ratio.
    return this.intBetween(0, denominator - 1) < numerator;
  }

  bytes(sizeBytes: number): Uint8Array {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, "bytes: size >= 0");
    const out = new Uint8Array(sizeBytes);
    for (let index = 0; index < sizeBytes; index += 4) {
      let word = this.nextU32();
      for (let byte = index; byte < index + 4 && byte < sizeBytes; byte++) {
        out[byte] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }

  /** Picks one element uniformly. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, "pick: empty list");
    return items[this.intBetween(0, items.length - 1)]!;
  }
}

/** An independent stream for (seed, labels...): same inputs, same stream, on any machine. */
export function deriveRandom(seed: number, ...labels: string[]): SimRandom {
  assert(Number.isSafeInteger(seed), "seed must be a safe integer");
  const hash = createHash("sha256").update(streamDomain).update("\0").update(String(seed));
  for (const label of labels) hash.update("\0").update(label);
  const digest = hash.digest();
  const state: number[] = [0, 4, 8, 12].map((offset) => digest.readInt32BE(offset));
  // xoroshiro128+ must not start from the all-zero state (it would stay zero forever).
  if (!state.some((word) => word !== 0)) state[0] = 1;
  return new SimRandom(xoroshiro128plusFromState(state));
}
