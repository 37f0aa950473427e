// mqconsole: the web console and cluster-wide Prometheus endpoint for mqlab clusters.
//   mqconsole [-n "a:9876;b:9876"] [--port 8080] [--host 127.0.0.1] [--reports reports/out]
// The NameServer list comes from -n, else NAMESRV_ADDR. Prints "mqconsole listening on
// http://host:port" once it serves; SIGTERM / SIGINT close it (exit 0). Misuse: one line, exit 2.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { AdminClient } from "../../client/admin/admin_client.ts";
import { resolveNamesrvAddr } from "../../config/namesrv_addr.ts";
import { createRealEnv } from "../../env/real/index.ts";
import type { LogLevel } from "../../env/real/index.ts";
import { buildConsoleApp } from "./app.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

function usage(message: string): never {
  process.stderr.write(`mqconsole: ${message}\n`);
  process.exit(2);
}

interface Options {
  namesrvAddr?: string;
  port: string;
  host: string;
  reports?: string;
}

async function main(): Promise<void> {
  const program = new Command("mqconsole").description("mqlab web console and Prometheus endpoint")
    .option("-n, --namesrvAddr <addr>", "NameServer address list, e.g. '127.0.0.1:9876'")
    .option("--port <port>", "HTTP port", "8080")
    .option("--host <host>", "HTTP listen address", "127.0.0.1")
    .option("--reports <dir>", "the lab's run directory (default: reports/out of this repository)")
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  try {
    program.parse(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0);
      usage(error.message.replace(/^error: /, ""));
    }
    throw error;
  }
  const options = program.opts<Options>();
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port ${options.port}: not a port number`);
  let namesrvAddrs: string[];
  try {
    namesrvAddrs = resolveNamesrvAddr({ option: options.namesrvAddr, environment: process.env["NAMESRV_ADDR"] });
  } catch (error) {
    usage((error as Error).message);
  }
  if (namesrvAddrs.length === 0) usage("no NameServer address: pass -n 'host:9876' or set NAMESRV_ADDR");
  const env = createRealEnv({ nodeName: "mqconsole", logLevel: (process.env["MQLAB_LOG_LEVEL"] as LogLevel | undefined) ?? "silent" });
  const admin = new AdminClient(env, { namesrvAddr: namesrvAddrs });
  admin.start();
  const app = await buildConsoleApp({ admin, env, namesrvAddrs, reportsDir: resolve(options.reports ?? resolve(repoRoot, "reports/out")), repoRoot });
  try {
    await app.listen({ port, host: options.host });
  } catch (error) {
    admin.shutdown();
    env.close();
    process.stderr.write(`mqconsole: cannot listen on ${options.host}:${port}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const address = app.server.address();
  const actualPort = typeof address === "object" && address !== null ? address.port : port;
  process.stdout.write(`mqconsole listening on http://${options.host}:${actualPort} (NameServer ${namesrvAddrs.join(";")})\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void app.close().finally(() => {
      admin.shutdown();
      env.close();
      process.exit(0);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

await main();
