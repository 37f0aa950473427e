// SQL92 filtering: a group that subscribes with a SQL92 selector receives exactly the messages
// the selector matches. This checker judges the "nothing else" half: every delivery to such a
// group of a workload message (on the group's topic) must match the selector, by the
// properties the message was sent with (chaos/workload/sql_properties.ts derives them from the
// id). The "every matching acked message" half is the delivery checker's: its receivers expect
// exactly the matching sends of a SQL92 group (receivers.ts), so a filtered-out match is a loss.
// Deliveries of foreign bodies (not written by the workload) and of the group's retry topic are
// not judged here. "Nothing to judge" when no group has a selector.
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { capped, idsMax, plural } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";
import { sqlSelectorAccepts } from "../workload/sql_properties.ts";

export type SqlFilterViolation = { id: string; group: string; process: string; selector: string; timeMs: number };

export function checkSqlFilter(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const groups = context.workload.consumers.filter((spec) => spec.sqlSelector !== undefined);
  if (groups.length === 0) {
    return { name: "sql-filter", verdict: "pass", summary: "Nothing to judge: no group subscribes with a SQL92 selector.", evidence: { groups: 0 } };
  }
  const index = indexHistory(history);
  const violations: SqlFilterViolation[] = [];
  const perGroup: Record<string, { selector: string; delivered: number; matchingAcked: number; acked: number }> = {};
  for (const spec of groups) {
    const selector = spec.sqlSelector!;
    const stats = { selector, delivered: 0, matchingAcked: 0, acked: 0 };
    perGroup[spec.group] = stats;
    for (const send of index.sends) {
      if (send.topic !== spec.topic || send.outcome !== "ok") continue;
      stats.acked++;
      if (sqlSelectorAccepts(selector, send.messageId)) stats.matchingAcked++;
    }
    for (const delivery of index.deliveries) {
      if (delivery.group !== spec.group || delivery.topic !== spec.topic || delivery.messageId.startsWith("foreign:")) continue;
      stats.delivered++;
      if (!sqlSelectorAccepts(selector, delivery.messageId)) {
        violations.push({ id: delivery.messageId, group: spec.group, process: delivery.process, selector, timeMs: delivery.timeMs });
      }
    }
  }
  const first = violations[0];
  const summary = first !== undefined
    ? `${plural(violations.length, "delivery", "deliveries")} the SQL92 selector does not match; first ${first.id} to ${first.group} (${first.process}): ${first.selector}.`
    : `Every delivery to ${plural(groups.length, "SQL92 group")} matches its selector (${Object.entries(perGroup).map(([group, s]) => `${group}: ${s.matchingAcked}/${s.acked} acked match`).join(", ")}).`;
  return {
    name: "sql-filter", verdict: violations.length > 0 ? "fail" : "pass", summary,
    evidence: { groups: perGroup, violations: capped(violations, idsMax(context)) },
  };
}
