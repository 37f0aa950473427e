// Reads node --trace-gc output (one line per collection on stdout) into totals per kind:
// how many collections and their pause time (the "<pause> / <external> ms" field). Lines that
// are not GC lines (a server's boot line, logs) are ignored. Used by bench-semi-space to weigh a
// smaller young generation (more, smaller scavenges) against its memory.
export interface GcTotals { scavenges: number; scavengeMs: number; markCompacts: number; markCompactMs: number }

// "[pid:0x…]   292 ms: Scavenge 4.9 (6.0) -> 4.5 (7.0) MB, pooled: 0 MB, 16.66 / 0.00 ms  (…"
const gcLine = /\d+ ms: (Scavenge|Minor Mark-Sweep|Mark-Compact|Mark-Compact \(reduce\)|Mark-Sweep) [^,]*, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

export function gcTotals(traceText: string): GcTotals {
  const totals: GcTotals = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 };
  for (const line of traceText.split("\n")) {
    const match = gcLine.exec(line);
    if (match === null) continue;
    const pauseMs = Number(match[2]);
    if (match[1] === "Scavenge" || match[1] === "Minor Mark-Sweep") {
      totals.scavenges++;
      totals.scavengeMs += pauseMs;
    } else {
      totals.markCompacts++;
      totals.markCompactMs += pauseMs;
    }
  }
  return totals;
}
