// docs/ARCHITECTURE.md matches the tree: every folder its system/ table names exists, every
// system/ folder has a row, and every path the lab's tables name in backticks exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const repoRoot = join(import.meta.dirname, "..", "..");
const doc = readFileSync(join(repoRoot, "docs", "ARCHITECTURE.md"), "utf8");

function section(title: string): string {
  const start = doc.indexOf(`## ${title}`);
  assert.ok(start >= 0, `ARCHITECTURE.md has no "## ${title}" section`);
  const end = doc.indexOf("\n## ", start + 3);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The first cell of each table row: "| `remoting/` | ..." → "remoting/". */
function firstCells(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
}

test("the system/ folder table lists exactly the folders of system/", () => {
  const listed = firstCells(section("The system")).map((cell) => cell.replace(/\/$/, "")).sort();
  const folders = readdirSync(join(repoRoot, "system"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory()).map((entry) => entry.name)
    // env/ has its own section (the seam); stdx/ holds small shared helpers (assert, errorText).
    .filter((name) => name !== "env" && name !== "stdx").sort();
  assert.deepEqual(listed, folders);
});

test("every path the lab's table names exists", () => {
  const lab = section("The lab");
  const paths = [...lab.matchAll(/`((?:chaos|scenarios|reports|system)\/[\w./-]+)`/g)].map((match) => match[1]!);
  assert.ok(paths.length > 10, "the lab table names its files");
  const missing = paths.filter((path) => !existsSync(join(repoRoot, path)));
  assert.deepEqual(missing, [], `ARCHITECTURE.md names paths that do not exist: ${missing.join(", ")}`);
});
