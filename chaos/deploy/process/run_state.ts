// A run's footprint on the machine, and the clean-up of runs that died. Everything a run
// creates is marked with its run id: the state directory <tmp>/mqlab-runs/<runid>/ (owner
// pid, configs, store directories), the network namespace mqlab-<runid> (its nftables table
// lives and dies inside it), and MQLAB_RUN_ID=<runid> in the environment of every process it
// starts. So `mqlab clean` finds leftovers even when the run's own records are gone.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { killNetnsProcesses, listNetns, netnsPrefix } from "./netns.ts";
import { runCommand } from "../wall_cluster/host_commands.ts";

export const runsRoot = join(tmpdir(), "mqlab-runs");
export const runIdVariable = "MQLAB_RUN_ID";

export function newRunId(): string {
  return `${Date.now().toString(36).slice(-5)}${randomBytes(3).toString("hex")}`;
}

/** Process start time in clock ticks since boot (guards against pid reuse), or undefined. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

interface OwnerRecord {
  pid: number;
  startTicks: number | undefined;
  netns?: string;
  createdAtMs: number;
}

export class RunDir {
  readonly dir: string;

  constructor(readonly runId: string) {
    this.dir = join(runsRoot, runId);
  }

  create(netns: string | undefined): void {
    mkdirSync(this.dir, { recursive: true });
    const owner: OwnerRecord = { pid: process.pid, startTicks: processStartTicks(process.pid), createdAtMs: Date.now(), ...(netns ? { netns } : {}) };
    // Written whole then renamed: a concurrent `mqlab clean` never reads half a record.
    writeFileSync(join(this.dir, "owner.json.tmp"), JSON.stringify(owner) + "\n");
    renameSync(join(this.dir, "owner.json.tmp"), join(this.dir, "owner.json"));
  }

  path(...parts: string[]): string {
    const path = join(this.dir, ...parts);
    return path;
  }

  nodeDir(node: string): string {
    const path = join(this.dir, "nodes", node);
    mkdirSync(path, { recursive: true });
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A run directory younger than this without an owner record is a run being created. */
const creationGraceMs = 60_000;

function ownerAlive(runDir: string): boolean {
  let owner: OwnerRecord;
  try {
    owner = JSON.parse(readFileSync(join(runDir, "owner.json"), "utf8")) as OwnerRecord;
  } catch {
    try {
      return Date.now() - statSync(runDir).mtimeMs < creationGraceMs;
    } catch {
      return false;
    }
  }
  const ticks = processStartTicks(owner.pid);
  return ticks !== undefined && (owner.startTicks === undefined || ticks === owner.startTicks);
}

/** Pids of processes whose environment carries MQLAB_RUN_ID (all runs, or one). */
export function runProcesses(runId?: string): { pid: number; runId: string }[] {
  const found: { pid: number; runId: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isSafeInteger(pid) || pid <= 1 || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue;
    }
    const match = environ.split("\0").find((item) => item.startsWith(`${runIdVariable}=`));
    if (!match) continue;
    const id = match.slice(runIdVariable.length + 1);
    if (runId === undefined || id === runId) found.push({ pid, runId: id });
  }
  return found;
}

export interface CleanReport {
  runs: string[];
  processes: number[];
  namespaces: string[];
}

/**
 * Removes what runs that died left behind: their processes, network namespaces (with their
 * packet filter rules) and state directories. Runs whose owning process is alive are left
 * alone unless `includeLive`.
 */
export async function cleanLeftovers(options: { includeLive?: boolean } = {}): Promise<CleanReport> {
  const report: CleanReport = { runs: [], processes: [], namespaces: [] };
  const live = new Set<string>();
  const entries = existsSync(runsRoot) ? readdirSync(runsRoot) : [];
  for (const runId of entries) {
    if (!options.includeLive && ownerAlive(join(runsRoot, runId))) live.add(runId);
    else report.runs.push(runId);
  }
  for (const { pid, runId } of runProcesses()) {
    if (live.has(runId)) continue;
    try {
      process.kill(pid, "SIGKILL");
      report.processes.push(pid);
    } catch {
      // exited meanwhile: nothing to kill
    }
    if (!report.runs.includes(runId)) report.runs.push(runId);
  }
  const namespaces = process.getuid?.() === 0 ? await listNetns().catch(() => [] as string[]) : [];
  for (const name of namespaces) {
    if (!name.startsWith(netnsPrefix) || live.has(name.slice(netnsPrefix.length))) continue;
    report.processes.push(...(await killNetnsProcesses(name)));
    try {
      await runCommand(["ip", "netns", "delete", name]);
    } catch (error) {
      // Another clean-up (or the run's own teardown) may have deleted it meanwhile.
      if ((await listNetns()).includes(name)) throw error;
    }
    report.namespaces.push(name);
  }
  for (const runId of report.runs) rmSync(join(runsRoot, runId), { recursive: true, force: true });
  return report;
}
