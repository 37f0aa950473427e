// A node:test reporter that closes `npm test` with what was skipped, grouped by what the
// machine lacks, and the one command that enables each group (`npx just setup-nft`,
// `npx just docker-up`, ...). It runs beside the spec reporter (package.json "test"), which
// still prints every result and node's own closing counts; this adds the summary after them.
// Tests say why they skip (`{ skip: "reason" }`); the reason picks the group.
import { relative } from "node:path";
import type { TestEvent } from "node:test/reporters";

export interface SkippedTest {
  name: string;
  file: string | undefined;
  reason: string;
}

interface Remedy {
  match: RegExp;
  need: string;
  enable: string;
}

const remedies: readonly Remedy[] = [
  { match: /nftables|network namespace|\bnft\b/i, need: "a network namespace with nftables (Linux, root)", enable: "as root: `npx just setup-nft`" },
  { match: /docker|container engine/i, need: "a Docker engine", enable: "`npx just docker-up` (or set DOCKER_HOST)" },
  { match: /chromium/i, need: "Chromium (the report checked in a real browser)", enable: "as root: `apt-get install -y chromium`" },
];

/** The closing text: one group per missing capability, each test under it; "" when nothing skipped. */
export function renderSkipSummary(skipped: readonly SkippedTest[], cwd = process.cwd()): string {
  if (skipped.length === 0) return "\nskip summary: no test skipped\n";
  const groups = new Map<string, { remedy: Remedy | undefined; reason: string; tests: SkippedTest[] }>();
  for (const test of skipped) {
    const remedy = remedies.find((candidate) => candidate.match.test(test.reason));
    const key = remedy?.need ?? `other: ${test.reason}`;
    const group = groups.get(key) ?? { remedy, reason: test.reason, tests: [] };
    group.tests.push(test);
    groups.set(key, group);
  }
  const lines = [`skip summary: ${skipped.length} test${skipped.length === 1 ? "" : "s"} skipped, everything else ran`];
  for (const { remedy, reason, tests } of groups.values()) {
    const count = tests.length === 1 ? "1 test" : `${tests.length} tests`;
    lines.push(remedy
      ? `  ${count} ${tests.length === 1 ? "needs" : "need"} ${remedy.need}; to run them, ${remedy.enable}`
      : `  ${count} skipped because: ${reason}`);
    for (const test of tests) lines.push(`    - ${test.file ? `${relative(cwd, test.file)}: ` : ""}${test.name}`);
  }
  return `\n${lines.join("\n")}\n`;
}

/** Skipped tests of an event stream (node reports a skipped test as passed with `skip` set). */
export function skippedTest(event: TestEvent): SkippedTest | undefined {
  if (event.type !== "test:pass" && event.type !== "test:fail") return undefined;
  const skip = event.data.skip;
  if (skip === undefined || skip === false) return undefined;
  return { name: event.data.name, file: event.data.file, reason: skip === true ? "no reason given" : skip };
}

export default async function* skipSummaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string, void> {
  const skipped: SkippedTest[] = [];
  for await (const event of source) {
    const test = skippedTest(event);
    if (test) skipped.push(test);
  }
  yield renderSkipSummary(skipped);
}
