// The rogue peer's attempts as history events. Beside the rogue rather than in it: the history's
// types name the rogue's attacks, so the rogue itself must not import the history.
import type { RogueEvent } from "../history/types.ts";
import type { RogueAttempt } from "./rogue_peer.ts";

/** An attempt as its `rogue` history event: times in run ms (since runStartEpochMs). */
export function rogueEventOf(attempt: RogueAttempt, process: string, target: string, runStartEpochMs: number): RogueEvent {
  const { startMs, endMs, ...outcome } = attempt;
  return { type: "rogue", timeMs: Math.round(startMs - runStartEpochMs), endMs: Math.round(endMs - runStartEpochMs), process, target, ...outcome };
}
