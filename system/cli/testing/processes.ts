// Test support: spawn the real mqnamesrv / mqbroker CLIs (Node 24 + tsx) on free loopback ports
// with temp store directories, wait for their boot lines, and stop them (SIGTERM, SIGKILL).
// Every spawned child is tracked so a test's finally can kill whatever is still running.
// Servers run under the node flags users' servers get (server_node_args.ts: MQLAB_NODE_OPTIONS,
// then MQLAB_SERVER_NODE_ARGS), so MQLAB_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p"
// profiles every broker a test or bench starts; killAll then stops them gracefully (SIGTERM,
// SIGKILL only after killGraceMs), because a SIGKILLed process writes no profile.
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as nodeNet from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverNodeArgs } from "../server_node_args.ts";

const cliDir = fileURLToPath(new URL("../", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface NodeProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const live = new Set<ChildProcess>();

export function spawnCli(name: "mqnamesrv" | "mqbroker", args: string[], extraEnv: Record<string, string> = {}): NodeProcess {
  const nodeArgs = serverNodeArgs(process.env);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join(cliDir, `${name}.ts`), ...args], {
    cwd: repoRoot,
    env: { ...process.env, MQLAB_LOG_LEVEL: "warn", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on("exit", (code) => {
    live.delete(child);
    done(code);
  }));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** How long a profiled server may take to shut down and write its profile before SIGKILL. */
const killGraceMs = 10_000;

/**
 * Stops every child still running (call in finally): SIGKILL, or, when MQLAB_SERVER_NODE_ARGS is
 * set (profiling), SIGCONT + SIGTERM and SIGKILL after killGraceMs. The exits it waits for keep
 * this process up, so a profiled server writes its profile even when the caller returns at once.
 */
export function killAll(): void {
  void stopAll();
}

/** killAll, resolved once every child has exited. */
export function stopAll(): Promise<void> {
  const children = [...live];
  live.clear();
  const graceful = (process.env["MQLAB_SERVER_NODE_ARGS"] ?? "").trim() !== "";
  return Promise.all(children.map((child) => stopChild(child, graceful))).then(() => undefined);
}

function stopChild(child: ChildProcess, graceful: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  if (!graceful) {
    child.kill("SIGKILL");
    return exited;
  }
  child.kill("SIGCONT");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), killGraceMs);
  return exited.finally(() => clearTimeout(timer));
}

// Test servers take ports from 10000–19999: below the kernel's ephemeral range (32768+ by
// default), so no outgoing connection of a concurrent test can take a port between our check
// and the server's bind (it did: "HA port … is already in use"), and below the process
// deployer's per-run port blocks (20000+). The draw is random so concurrent test files rarely
// try the same port, and every port a server needs is checked free before it is returned.
const testPortMin = 10_000;
const testPortMax = 20_000;

async function drawPort(what: string, portsOf: (port: number) => number[]): Promise<number> {
  for (let attempt = 0; attempt < 2_000; attempt++) {
    const port = randomInt(testPortMin + 2, testPortMax - 1);
    let free = true;
    for (const candidate of portsOf(port)) {
      if (!(await portFree(candidate))) {
        free = false;
        break;
      }
    }
    if (free) return port;
  }
  throw new Error(`no free ${what} in ${testPortMin}–${testPortMax - 1} after 2000 draws`);
}

/** A port nothing listens on (for a NameServer or a plain server). */
export function freePort(): Promise<number> {
  return drawPort("port", (port) => [port]);
}

async function portFree(port: number): Promise<boolean> {
  const server = nodeNet.createServer();
  const ok = await new Promise<boolean>((done) => {
    server.once("error", () => done(false));
    server.listen(port, "0.0.0.0", () => done(true));
  });
  if (ok) await new Promise<void>((done) => server.close(() => done()));
  return ok;
}

/** A broker port whose VIP channel (port − 2) is free as well. */
export function freeBrokerPort(): Promise<number> {
  return drawPort("broker port", (port) => [port, port - 2]);
}

/** A broker port whose VIP (port − 2) and HA (port + 1) ports are free too. */
export function freeHaBrokerPort(): Promise<number> {
  return drawPort("broker port with HA", (port) => [port, port - 2, port + 1]);
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

export async function startNamesrv(dir: string): Promise<{ process: NodeProcess; port: number }> {
  const port = await freePort();
  const conf = join(dir, `namesrv-${port}.properties`);
  writeFileSync(conf, `listenHost=127.0.0.1\nlistenPort=${port}\nkvConfigPath=${dir}/kv-${port}.json\n`);
  const namesrv = spawnCli("mqnamesrv", ["-c", conf]);
  await waitFor(() => namesrv.stdout().includes("boot success"), `namesrv boot (stderr: ${namesrv.stderr()})`);
  return { process: namesrv, port };
}

export function writeBrokerConf(dir: string, port: number, lines: Record<string, string | number | boolean>): string {
  const path = join(dir, `broker-${port}.conf`);
  const base: Record<string, string | number | boolean> = {
    brokerClusterName: "DefaultCluster", brokerName: "broker-a", brokerId: 0, brokerIP1: "127.0.0.1", listenPort: port,
    storePathRootDir: join(dir, `store-${port}`), mapedFileSizeCommitLog: 16 * 1024 * 1024, mapedFileSizeConsumeQueue: 60_000,
    maxHashSlotNum: 100_000, maxIndexNum: 400_000,
  };
  writeFileSync(path, Object.entries({ ...base, ...lines }).map(([key, value]) => `${key}=${String(value)}`).join("\n") + "\n");
  return path;
}

export async function startBroker(conf: string, args: string[] = []): Promise<NodeProcess> {
  const broker = spawnCli("mqbroker", ["-c", conf, ...args]);
  let exitCode: number | null | undefined;
  void broker.exit.then((code) => {
    exitCode = code;
  });
  await waitFor(() => broker.stdout().includes("boot success") || exitCode !== undefined, "broker boot");
  if (exitCode !== undefined) throw new Error(`broker exited with ${exitCode} before booting: ${broker.stderr()}`);
  return broker;
}
