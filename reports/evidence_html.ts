// Renders each check's evidence as HTML tables a newcomer can read: lost ids (first 100 and
// the count), duplicated ids with counts, unavailability windows with their bounds, queues held
// by two, reorders naming both messages. Evidence is read defensively (it is JSON from a file
// that may come from an older run): a shape this file does not know is shown as escaped JSON.
import type { CheckResult } from "../chaos/result.ts";
import { esc, millis, seconds } from "./escape.ts";
import { asArray, asCapped, asRecord, table, text, type Row } from "./evidence_table.ts";
import { derivationsTable, genericEvidence } from "./evidence_generic.ts";

const field = (name: string) => (row: Row): string => esc(text(row[name]));
const code = (name: string) => (row: Row): string => `<code>${esc(text(row[name]))}</code>`;
const at = (name: string) => (row: Row): string => (typeof row[name] === "number" ? esc(seconds(row[name])) : "–");
const ms = (name: string) => (row: Row): string => (typeof row[name] === "number" || row[name] === null ? esc(row[name] === null ? "unbounded" : millis(row[name])) : "–");
const nested = (name: string, inner: string) => (row: Row): string => esc(text(asRecord(row[name])[inner]));

function deliveryEvidence(evidence: Row): string {
  return [
    table("Lost acked messages", [["message id", code("id")], ["receiver", field("receiver")], ["queue", field("queue")], ["acked at", at("ackMs")], ["why it is not allowed", field("reason")]], asCapped(evidence.lost), "lost"),
    table("Lost as the guarantee table allows", [["message id", code("id")], ["receiver", field("receiver")], ["queue", field("queue")], ["acked at", at("ackMs")],
      ["acked before the power loss", ms("ackBeforeLossMs")], ["window allowed", ms("windowMs")], ["window's mechanism", field("mechanism")], ["allowed because", field("reason")]], asCapped(evidence.allowedLoss), "allowed-loss"),
    table("Unexpected deliveries (never sent)", [["message id", code("id")], ["group", field("group")], ["deliveries", field("count")]], asCapped(evidence.unexpected), "unexpected"),
    table("Duplicated messages", [["message id", code("id")], ["receiver", field("receiver")], ["successful deliveries", field("count")]], asCapped(evidence.duplicated), "duplicated"),
    table("Unknown-outcome sends that were delivered (they happened)", [["message id", code("id")]], asCapped(evidence.unknownResolvedOk)),
    table("Failed sends that were delivered anyway (the ack was lost)", [["message id", code("id")]], asCapped(evidence.failedButDelivered)),
    table("Receivers", [["receiver", field("receiver")], ["expected", field("expected")], ["received", field("received")]],
      { count: asArray(evidence.receivers).length, items: asArray(evidence.receivers).map(asRecord) }),
  ].join("");
}

function orderEvidence(evidence: Row): string {
  return [
    table("Per-queue reorders (first deliveries going back in offset)", [["group", field("group")], ["queue", field("queue")], ["consumer", field("process")],
      ["earlier", (row) => `<code>${esc(text(asRecord(row.earlier).id))}</code> @${nested("earlier", "queueOffset")(row)}`],
      ["then", (row) => `<code>${esc(text(asRecord(row.later).id))}</code> @${nested("later", "queueOffset")(row)}`],
      ["at", (row) => esc(seconds(asRecord(row.later).timeMs as number))]], asCapped(evidence.queueReorders), "reorders"),
    table("Per-key reorders", [["group", field("group")], ["key", code("key")], ["producer", field("producer")],
      ["earlier", (row) => `<code>${esc(text(asRecord(row.earlier).id))}</code> seq ${nested("earlier", "orderSeq")(row)}`],
      ["then", (row) => `<code>${esc(text(asRecord(row.later).id))}</code> seq ${nested("later", "orderSeq")(row)}`]], asCapped(evidence.keyReorders), "reorders"),
    `<p>Checked ${esc(text(evidence.queuesChecked))} (group, queue, consumer) lanes and ${esc(text(evidence.keysChecked))} keys.</p>`,
  ].join("");
}

function failoverEvidence(evidence: Row): string {
  const windows = asCapped(evidence.windows);
  const bounds = asRecord(evidence.bounds);
  const reasons = asArray(bounds.reasons).map((reason) => `<li>${esc(text(reason))}</li>`).join("");
  return table("Unavailability windows (exceeded first, then the longest)", [["kind", field("kind")], ["scope", field("scope")], ["start", at("startMs")], ["end", at("endMs")],
    ["duration", ms("durationMs")], ["bound", ms("boundMs")],
    ["", (row) => (row.exceeded === true ? `<span class="bad">over bound</span>` : row.recovered === false ? "never recovered" : "ok")]], windows, "windows") +
    (asArray(bounds.derivations).length > 0 ? derivationsTable("Bounds: the mechanism each assumes and the intervals it adds up", asArray(bounds.derivations)) : "") +
    (reasons === "" ? "" : `<details><summary>How the bounds were derived</summary><ul>${reasons}</ul></details>`);
}

function rebalanceEvidence(evidence: Row): string {
  return asArray(evidence.groups).map(asRecord).map((group) => {
    const final = asRecord(group.final);
    const rows = Object.entries(final).map(([process, queues]) => ({ process, queues: asArray(queues).join(", ") || "(none: idle)" }));
    const problems = asArray(group.problems).map((problem) => `<li class="bad">${esc(text(problem))}</li>`).join("");
    return `<h4>Group ${esc(text(group.group))} (${esc(text(group.model))}, ${esc(text(group.strategy))})</h4>` +
      (problems === "" ? "" : `<ul>${problems}</ul>`) +
      table("Queues held by two consumers at the end", [["queue", code("queue")], ["holders", (row) => esc(asArray(row.holders).join(", "))]],
        { count: asArray(group.doubleHeld).length, items: asArray(group.doubleHeld).map(asRecord) }, "double-held") +
      table("Final assignment", [["consumer", field("process")], ["queues", field("queues")]], { count: rows.length, items: rows }) +
      `<p>Expected queues: ${esc(asArray(group.expectedQueues).join(", ") || "none")}. ` +
      `Idle consumers: ${esc(asArray(group.idle).join(", ") || "none")}. ` +
      `Last change: ${esc(text(group.lastChange))} at ${esc(seconds(group.lastChangeMs as number))}; converged in ${esc(millis(group.convergenceMs as number))} ` +
      `(bound ${esc(millis(group.boundMs as number))})${group.judged === false ? "; <strong>not judged</strong> (no time to converge before the end)" : ""}.</p>`;
  }).join("");
}

function latencyEvidence(evidence: Row): string {
  const line = (name: string, stats: Row): string =>
    `<tr><th>${esc(name)}</th><td>${esc(text(stats.count))}</td><td>${esc(millis(stats.p50Ms as number))}</td><td>${esc(millis(stats.p99Ms as number))}</td><td>${esc(millis(stats.maxMs as number))}</td></tr>`;
  return `<table class="evidence latency"><caption>Latency</caption><thead><tr><th></th><th>samples</th><th>p50</th><th>p99</th><th>max</th></tr></thead><tbody>` +
    `${line("send (invoke → ack)", asRecord(evidence.send))}${line("end to end (invoke → first delivery)", asRecord(evidence.endToEnd))}</tbody></table>`;
}

const renderers: Record<string, (evidence: Row) => string> = {
  delivery: deliveryEvidence, order: orderEvidence, failover: failoverEvidence, rebalance: rebalanceEvidence, latency: latencyEvidence,
  orderly: genericEvidence, sharding: genericEvidence, retry: genericEvidence, delay: genericEvidence, "late-join": genericEvidence,
  "producer-failover": genericEvidence, replica: genericEvidence, routes: genericEvidence, duplicates: genericEvidence, "send-status": genericEvidence,
  transactions: genericEvidence,
};

export function evidenceHtml(check: CheckResult): string {
  const renderer = renderers[check.name];
  const evidence = asRecord(check.evidence);
  if (renderer === undefined) return `<pre class="json">${esc(JSON.stringify(evidence, null, 2))}</pre>`;
  return renderer(evidence);
}
