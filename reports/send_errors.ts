// "Why sends failed": the run's failed and unknown sends grouped by their error, most frequent
// first, with ACL refusals (RocketMQ's AclException remarks) named as such — so a report of a
// run with ACL on says "Check signature failed for accessKey=…" instead of only a red line.
// Broker addresses and the Java stack frame are cut from the key so one cause is one row.
import type { HistoryEvent } from "../chaos/history/types.ts";
import { esc } from "./escape.ts";

export interface SendErrorRow {
  reason: string;
  outcome: "fail" | "unknown";
  count: number;
  acl: boolean;
}

/** Rows shown at most; the rest are summed in the caption. */
export const sendErrorRowsMax = 12;

const aclPrefix = "org.apache.rocketmq.acl.common.AclException: ";

export function sendErrorReason(error: string): { reason: string; acl: boolean } {
  const aclAt = error.indexOf(aclPrefix);
  if (aclAt >= 0) {
    const text = error.slice(aclAt + aclPrefix.length);
    const frame = text.indexOf(", org.apache.rocketmq.");
    return { reason: `ACL: ${frame < 0 ? text : text.slice(0, frame)}`, acl: true };
  }
  const firstLine = error.split("\n")[0] ?? error;
  return { reason: firstLine.replace(/\b\d{1,3}(\.\d{1,3}){3}:\d+\b/g, "<broker>"), acl: false };
}

export function sendErrorRows(history: readonly HistoryEvent[]): SendErrorRow[] {
  const rows = new Map<string, SendErrorRow>();
  for (const event of history) {
    if ((event.type !== "fail" && event.type !== "unknown") || event.op !== "send") continue;
    const { reason, acl } = sendErrorReason(event.error ?? "(no error recorded)");
    const key = `${event.type}\u0000${reason}`;
    const row = rows.get(key) ?? { reason, outcome: event.type, count: 0, acl };
    row.count++;
    rows.set(key, row);
  }
  return [...rows.values()].sort((left, right) => right.count - left.count || left.reason.localeCompare(right.reason));
}

export function sendErrorsSection(history: readonly HistoryEvent[]): string {
  const rows = sendErrorRows(history);
  if (rows.length === 0) return "";
  const shown = rows.slice(0, sendErrorRowsMax);
  const hidden = rows.slice(sendErrorRowsMax).reduce((sum, row) => sum + row.count, 0);
  const body = shown.map((row) => `<tr><td>${esc(row.outcome)}</td><td class="num">${esc(row.count)}</td><td>${row.acl ? "<strong>" : ""}${esc(row.reason)}${row.acl ? "</strong>" : ""}</td></tr>`).join("");
  const caption = hidden > 0 ? `<p>${esc(hidden)} more sends failed for ${esc(rows.length - shown.length)} other reasons.</p>` : "";
  return `<section id="send-errors"><h2>Why sends failed</h2><table><thead><tr><th>outcome</th><th>sends</th><th>reason</th></tr></thead><tbody>${body}</tbody></table>${caption}</section>`;
}
