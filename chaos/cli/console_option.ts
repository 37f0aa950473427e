// `mqlab run --console`: once a process or container run's cluster is up, start mqconsole against
// its NameServers and print the URL, so the run can be watched while it goes; the console stops
// when the run ends. The simulator has no real sockets to browse, so there it is refused.
// The console is a child process (the lab never imports system/cli's web server).
// Partial: a process run inside its own network namespace (the deployer's netns mode) is not
// reachable from the host's network, so there the console is not started and a line says why.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Deployer } from "../deploy/types.ts";

const consoleEntry = fileURLToPath(new URL("../../system/cli/console/main.ts", import.meta.url));

export interface ConsoleWatch {
  readonly deployer: Deployer;
  stop(): void;
}

/** Wraps the deployer so its deploy() also starts mqconsole on 127.0.0.1:port (0 = any free port). */
export function withConsole(deployer: Deployer, port: number, write: (line: string) => void): ConsoleWatch {
  let child: ChildProcess | undefined;
  const wrapped: Deployer = {
    name: deployer.name,
    supports: (kind) => deployer.supports(kind),
    async deploy(plan, options) {
      const cluster = await deployer.deploy(plan, options);
      const first = cluster.namesrvAddr().split(";")[0] ?? "";
      if (!(await reachable(first))) {
        write(`mqlab: --console: the run's NameServer ${first} is not reachable from this host's network (the run has its own network namespace); no console\n`);
        return cluster;
      }
      child = spawn(process.execPath, ["--import", "tsx", consoleEntry, "-n", cluster.namesrvAddr(), "--port", String(port)], { stdio: ["ignore", "pipe", "inherit"] });
      child.stdout?.on("data", (chunk: Buffer) => {
        const match = /listening on (http:\/\/\S+)/.exec(chunk.toString());
        if (match !== null) write(`mqlab: console for this run: ${match[1]!}\n`);
      });
      return cluster;
    },
  };
  return { deployer: wrapped, stop: () => child?.kill("SIGTERM") };
}

/** Whether a TCP connection to "host:port" opens within 2 s. */
function reachable(addr: string): Promise<boolean> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(":")), Number(addr.slice(addr.lastIndexOf(":") + 1))];
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const finish = (ok: boolean): void => {
      socket.destroy();
      done(ok);
    };
    socket.once("connect", () => finish(true));
    socket.once("timeout", () => finish(false));
    socket.once("error", () => finish(false));
  });
}
