// Every misuse of mqadmin, mqnamesrv and mqbroker is one clear line on stderr and exit 2, never a
// stack trace (system/cli/cli_boundary.ts): unknown command or option, a bad number, a missing
// or unreadable config file, a failed admin call.
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertMisuses, type MisuseCase } from "./testing/misuse.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "mqlab-cli-misuse-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
// Nothing listens on port 1: admin calls fail fast with ECONNREFUSED.
const deadNamesrv = ["-n", "127.0.0.1:1"];

const serverCases = (program: string): MisuseCase[] => [
  { name: "unknown option", args: ["--bogus"], says: new RegExp(`^${program}: unknown option '--bogus' \\(usage: ${program} \\[options\\]`) },
  { name: "excess argument", args: ["extra"], says: new RegExp(`^${program}: too many arguments`) },
  { name: "missing option value", args: ["-c"], says: new RegExp(`^${program}: option '-c, --configFile <file>' argument missing`) },
  { name: "missing config file", args: ["-c", join(dir, "nope.properties")], says: new RegExp(`^${program}: cannot read config file .*nope\\.properties: ENOENT`) },
  { name: "unreadable config (a directory)", args: ["-c", dir], says: new RegExp(`^${program}: cannot read config file .*EISDIR`) },
];

test("mqnamesrv misuse: one line, exit 2", { timeout: 120_000 }, async () => {
  await assertMisuses("system/cli/mqnamesrv.ts", serverCases("mqnamesrv"), repoRoot);
});

test("mqbroker misuse: one line, exit 2", { timeout: 120_000 }, async () => {
  await assertMisuses("system/cli/mqbroker.ts", serverCases("mqbroker"), repoRoot);
});

test("mqadmin misuse: one line, exit 2", { timeout: 120_000 }, async () => {
  await assertMisuses("system/cli/mqadmin.ts", [
    { name: "no command", args: [], says: /^mqadmin: missing command \(usage: mqadmin \[options\] \[command\]/ },
    { name: "unknown command", args: ["nosuchCommand"], says: /^mqadmin: unknown command 'nosuchCommand'/ },
    { name: "unknown option", args: ["topicList", "--bogus"], says: /^mqadmin topicList: unknown option '--bogus' \(usage: mqadmin topicList \[options\]/ },
    { name: "missing required option", args: ["topicRoute", ...deadNamesrv], says: /^mqadmin topicRoute: required option '-t, --topic <topic>' not specified/ },
    { name: "no NameServer", args: ["topicList"], says: /^mqadmin topicList: no NameServer address/ },
    { name: "bad number", args: ["updateTopic", ...deadNamesrv, "-t", "T", "-b", "127.0.0.1:1", "-r", "abc"], says: /^mqadmin updateTopic: option -r: "abc" is not an integer/ },
    { name: "unreachable NameServer", args: ["topicList", ...deadNamesrv], says: /^mqadmin topicList: .*127\.0\.0\.1:1/ },
  ], repoRoot);
});
