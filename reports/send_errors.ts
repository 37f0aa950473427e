// "Why sends failed": the run's failed and unknown sends grouped by their error, most frequent
// first, with ACL refusals (RocketMQ's AclException remarks) named as such — so a report of a
// run with ACL on says "Check signature failed for accessKey=…" instead of only a red line.
// Broker addresses and the Java stack frame are cut from the key so one cause is one row, and
// so are the figures inside brackets: 4.9.7's SERVICE_NOT_AVAILABLE remark carries the disk
// usage ("the broker's disk is full [CL:  0.95 CQ:  0.95 INDEX: -1.00]") and the client's own
// "Send [1] times, ..., cost [21.4]ms" its attempt count and time. Each row keeps the first
// remark it grouped, unmasked, as its example.
import type { HistoryEvent } from "../chaos/history/types.ts";
import { esc } from "./escape.ts";

export interface SendErrorRow {
  /** The grouping key: the reason with the figures inside brackets masked. */
  reason: string;
  /** The first reason this row grouped, figures as sent. */
  example: string;
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

/** Masks every number inside [...] (and evens its spacing), so figures never split a cause. */
function maskBracketFigures(reason: string): string {
  return reason.replace(/\[([^\]]*)\]/g, (_bracket, inner: string) =>
    `[${inner.replace(/-?\d+(?:\.\d+)?/g, "…").replace(/\s+/g, " ").trim()}]`);
}

export function sendErrorRows(history: readonly HistoryEvent[]): SendErrorRow[] {
  const rows = new Map<string, SendErrorRow>();
  for (const event of history) {
    if ((event.type !== "fail" && event.type !== "unknown") || event.op !== "send") continue;
    const { reason: example, acl } = sendErrorReason(event.error ?? "(no error recorded)");
    const reason = maskBracketFigures(example);
    const key = `${event.type}\u0000${reason}`;
    const row = rows.get(key) ?? { reason, example, outcome: event.type, count: 0, acl };
    row.count++;
    rows.set(key, row);
  }
  return [...rows.values()].sort((left, right) => right.count - left.count || left.reason.localeCompare(right.reason));
}

/** The row's example remark, when masking changed it (else the reason says it all). */
function exampleOf(row: SendErrorRow): string {
  return row.example === row.reason ? "" : `<br><small>e.g. ${esc(row.example)}</small>`;
}

export function sendErrorsSection(history: readonly HistoryEvent[]): string {
  const rows = sendErrorRows(history);
  if (rows.length === 0) return "";
  const shown = rows.slice(0, sendErrorRowsMax);
  const hidden = rows.slice(sendErrorRowsMax).reduce((sum, row) => sum + row.count, 0);
  const body = shown.map((row) => `<tr><td>${esc(row.outcome)}</td><td class="num">${esc(row.count)}</td><td>${row.acl ? "<strong>" : ""}${esc(row.reason)}${row.acl ? "</strong>" : ""}${exampleOf(row)}</td></tr>`).join("");
  const caption = hidden > 0 ? `<p>${esc(hidden)} more sends failed for ${esc(rows.length - shown.length)} other reasons.</p>` : "";
  return `<section id="send-errors"><h2>Why sends failed</h2><table><thead><tr><th>outcome</th><th>sends</th><th>reason</th></tr></thead><tbody>${body}</tbody></table>${caption}</section>`;
}
