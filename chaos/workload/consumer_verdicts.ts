// What a workload listener answers for a message. Poison messages fail on every delivery, so
// they travel %RETRY%<group> until the broker dead-letters them; which messages are poison
// depends on the message id and the group alone (a hash, not a draw), so every consumer of the
// group, on any delivery and after any restart, agrees. Other messages fail on their first
// delivery (reconsumeTimes 0) with probability failurePercent, drawn from the node's Random.
// Slow messages (slowPercent, by a hash of id and group) take slowMs longer on their first
// delivery only: a consume timeout sends them back, and their redelivery must not time out again
// (each timeout is a reconsume, and maxReconsumeTimes of them would dead-letter a healthy message).
import type { Random } from "../../system/env/index.ts";
import type { ClientMessageExt } from "../../system/client/index.ts";
import type { ConsumerGroupSpec } from "../scenario.ts";
import { decodeBodyId, orderKeyHash } from "./message_identity.ts";

/** Basis points (1/10_000) so fractional percentages work. */
const scale = 10_000;

/** String hash with murmur3's finalizer, so consecutive ids spread over the whole range. */
function spreadHash(text: string): number {
  let hash = orderKeyHash(text);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export function isPoison(messageId: string, group: string, poisonPercent: number): boolean {
  return poisonPercent > 0 && spreadHash(`${group}/${messageId}`) % scale < Math.round(poisonPercent * 100);
}

export class ConsumerVerdicts {
  readonly throws: boolean;
  private readonly failureBasisPoints: number;
  private readonly poisonPercent: number;
  private readonly slowBasisPoints: number;

  constructor(private readonly spec: ConsumerGroupSpec, private readonly random: Random) {
    this.throws = spec.failureMode === "throw";
    this.failureBasisPoints = Math.round((spec.failurePercent ?? 0) * 100);
    this.poisonPercent = spec.poisonPercent ?? 0;
    this.slowBasisPoints = (spec.slowMs ?? 0) > 0 ? Math.round((spec.slowPercent ?? 0) * 100) : 0;
  }

  /** Extra time a batch takes: slowMs when one of its messages is slow on its first delivery. */
  extraMs(messages: readonly ClientMessageExt[]): number {
    if (this.slowBasisPoints === 0) return 0;
    const slow = messages.some((message) => {
      const messageId = decodeBodyId(message.body);
      return message.reconsumeTimes === 0 && messageId !== undefined && spreadHash(`slow/${this.spec.group}/${messageId}`) % scale < this.slowBasisPoints;
    });
    return slow ? this.spec.slowMs ?? 0 : 0;
  }

  fails(message: ClientMessageExt): boolean {
    const messageId = decodeBodyId(message.body);
    if (messageId !== undefined && isPoison(messageId, this.spec.group, this.poisonPercent)) return true;
    return message.reconsumeTimes === 0 && this.failureBasisPoints > 0 && this.random.chance(this.failureBasisPoints, scale);
  }

  /** Index of the first failing message of a batch, or -1 (every message is judged, in order). */
  firstFailure(messages: readonly ClientMessageExt[]): number {
    let first = -1;
    messages.forEach((message, index) => {
      if (this.fails(message) && first < 0) first = index;
    });
    return first;
  }
}
