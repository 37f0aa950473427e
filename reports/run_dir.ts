// Reports from a run directory: read DIR/result.json and DIR/history.jsonl (nothing else),
// write DIR/report.html. This is all a report needs, so an old run can be re-rendered.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HistoryEvent } from "../chaos/history/types.ts";
import { parseHistoryJsonl } from "../chaos/history/types.ts";
import type { RunResult } from "../chaos/result.ts";
import { historyFileName, readRunResult, reportFileName } from "../chaos/result.ts";
import { renderReport } from "./html.ts";

export function readRunDirectory(directory: string): { result: RunResult; history: HistoryEvent[] } {
  const result = readRunResult(directory);
  const historyPath = join(directory, historyFileName);
  const history = existsSync(historyPath) ? parseHistoryJsonl(readFileSync(historyPath, "utf8")) : [];
  return { result, history };
}

/** Renders an incident's DIR/report.html: its combined result and each phase's history, in order. */
export function writeIncidentReport(directory: string, result: RunResult, phaseHistories: readonly (readonly HistoryEvent[])[]): string {
  const path = join(directory, reportFileName);
  writeFileSync(path, renderReport(result, [], { phaseHistories }));
  return path;
}

/** Renders DIR/report.html from the run's files; returns its path. */
export function writeRunReport(directory: string): string {
  const { result, history } = readRunDirectory(directory);
  const path = join(directory, reportFileName);
  writeFileSync(path, renderReport(result, history));
  return path;
}
