// Rogue peer: every attack of a rogue-peer fault (chaos/faults/rogue_peer.ts) is judged against
// what RocketMQ 4.9.x does with bad input on its remoting port.
// - A frame the server cannot decode (a lying length field or header word, a header that is not
//   JSON, an unknown serialization) must be answered by closing the connection: a response
//   frame (or bytes that are no frame) to it means the server decoded garbage as something.
// - A well-framed request the server cannot serve (an unknown code, a header without the fields
//   the request needs) must get an error response with the request's opaque: SUCCESS means the
//   server acted on a request it could not have understood; another opaque answers some other
//   request; bytes that are no frame are a broken encoder.
// - And the server must stay reachable: a connect that fails, or an attack left unanswered (no
//   close, no response within the rogue's timeout) or closed without an answer to a
//   well-framed request, while nothing else touched the target, means the garbage hurt it.
//   These three are judged only in quiet spans: no fault window (nor node down) touching the
//   target or the whole cluster from quietAfterMs before the attack to its end, since a crashed,
//   paused or cut-off server rightly answers nothing.
// The run's other checkers judge the workload beside the rogue (nothing acked lost, no stall).
import type { RogueEvent, HistoryEvent } from "../history/types.ts";
import { isErrorResponse, isMalformedAttack } from "../faults/rogue_peer.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { capped, idsMax, plural } from "./evidence.ts";
import { faultWindows, type Window } from "./fault_windows.ts";
import { indexHistory } from "./history_index.ts";

/** After a fault on the target heals: restart, store recovery, listeners up again. */
export const quietAfterMs = 10_000;

interface Finding {
  timeMs: number;
  process: string;
  target: string;
  attack: string;
  outcome: string;
  why: string;
}

/**
 * Windows that touch the target (or everyone); faultWindows opens none for rogue peers. Every
 * partition counts: a halves, bridge or ring shape names at most its bridge node yet may put the
 * rogue's address on the other side from the target (seed 3 swarm run 911: a bridge partition
 * timed the rogue's connects to broker-b out).
 */
function touches(window: Window, target: string): boolean {
  return window.kind === "partition" || window.nodes.length === 0 || window.nodes.includes(target);
}

function isQuiet(event: RogueEvent, windows: readonly Window[]): boolean {
  return !windows.some((window) => touches(window, event.target) &&
    window.startMs <= event.endMs && (window.endMs === null || window.endMs + quietAfterMs >= event.timeMs));
}

/** Why an attack's outcome is wrong, or undefined; `quiet`: nothing else touched the target. */
function wrongOutcome(event: RogueEvent, quiet: boolean): string | undefined {
  const malformed = isMalformedAttack(event.attack);
  switch (event.outcome) {
    case "garbled":
      return `the server wrote bytes that are no frame (${event.error ?? "undecodable"})`;
    case "response":
      if (malformed) return `the server answered an undecodable frame with response code ${event.responseCode}`;
      if (event.opaqueMatches !== true) return `the response's opaque is not the request's (code ${event.responseCode})`;
      if (!isErrorResponse(event.responseCode ?? 0)) return `the server answered request code ${event.requestCode} it cannot serve with SUCCESS`;
      return undefined;
    case "closed":
      return malformed || !quiet ? undefined : `the server closed the connection without answering request code ${event.requestCode}`;
    case "silent":
      return quiet ? (malformed ? "the server left an undecodable frame's connection open" : `the server never answered request code ${event.requestCode}`) : undefined;
    case "connect-failed":
      return quiet ? `the server refused a new connection (${event.error ?? "connect failed"})` : undefined;
  }
}

export function checkRoguePeer(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const attacks = history.filter((event): event is RogueEvent => event.type === "rogue");
  if (attacks.length === 0) {
    return { name: "rogue-peer", verdict: "pass", summary: "No rogue peer attacked in this run: nothing to judge.", evidence: { attacks: 0 } };
  }
  const windows = faultWindows(indexHistory(history), context);
  const findings: Finding[] = [];
  let quietCount = 0;
  const outcomes: Record<string, number> = {};
  for (const event of attacks) {
    const quiet = isQuiet(event, windows);
    if (quiet) quietCount++;
    const key = `${event.attack} → ${event.outcome}${event.responseCode === undefined ? "" : ` ${event.responseCode}`}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    const why = wrongOutcome(event, quiet);
    if (why !== undefined) findings.push({ timeMs: event.timeMs, process: event.process, target: event.target, attack: event.attack, outcome: event.outcome, why });
  }
  const targets = [...new Set(attacks.map((event) => event.target))].sort();
  const evidence = { attacks: attacks.length, quiet: quietCount, targets, outcomes, wrong: capped(findings, idsMax(context)) };
  const first = findings[0];
  const summary = first !== undefined
    ? `${plural(findings.length, "rogue attack")} got a wrong answer; first at ${first.timeMs} ms on ${first.target} (${first.attack}): ${first.why}.`
    : `${plural(attacks.length, "rogue attack")} on ${targets.join(", ")} closed or refused as 4.9.x does (${quietCount} in quiet spans, where the server also had to answer and stay reachable).`;
  return { name: "rogue-peer", verdict: findings.length > 0 ? "fail" : "pass", summary, evidence };
}
