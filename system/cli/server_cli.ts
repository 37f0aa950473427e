// Process plumbing mqnamesrv and mqbroker share, as RocketMQ's NamesrvStartup/BrokerStartup do:
// reading -c properties files, one-line errors and exit codes, and graceful shutdown on signals.
// Invariants: every failure is one "<program>: <message>" line on stderr and exit code 2 (the
// boundary's rule, cli_boundary.ts: misuse and a broken start alike; 1 is for failed checks);
// unknown config keys are "<program>: warning: ..." lines and never stop the start; a signal
// shuts the server down once (a second signal while stopping is ignored), then exits 0; a server
// runs under its node flags (server_reexec.ts) before it reads any option.
import { readFileSync } from "node:fs";
import { CommanderError } from "commander";
import { brokenExit, exitCodes } from "./cli_boundary.ts";
import { ConfigError } from "../config/properties.ts";
import type { RealEnv } from "../env/real/index.ts";
import { reexecWithServerNodeArgs } from "./server_reexec.ts";

export class ServerCli {
  constructor(readonly program: string) {}

  fail(message: string): never {
    process.stderr.write(`${this.program}: ${message}\n`);
    process.exit(exitCodes.usageOrBroken);
  }

  warn(message: string): void {
    process.stderr.write(`${this.program}: warning: ${message}\n`);
  }

  /** Runs a config step; its ConfigError (which names file:line) is a failure line. */
  configOrFail<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (error instanceof ConfigError) this.fail(error.message);
      throw error;
    }
  }

  /** Reads and parses a -c properties file; its warnings go to stderr. */
  readConfigFile<T>(path: string, parse: (text: string) => { config: T; warnings: readonly string[] }): T {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      this.fail(`cannot read config file ${path}: ${(error as Error).message}`);
    }
    const parsed = this.configOrFail(() => parse(text));
    for (const warning of parsed.warnings) this.warn(warning);
    return parsed.config;
  }

  /** SIGTERM / SIGINT: shut down once, close the Env, exit 0. */
  shutdownOnSignals(env: RealEnv, shutdown: () => Promise<void>): void {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      env.log.info("shutting down", { signal });
      void shutdown().finally(() => {
        env.close();
        process.exit(0);
      });
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  }

  /**
   * Runs the CLI's main (its Command made with prepareProgram) inside the boundary: a misuse is
   * one line with the usage, an error that escapes is one line with its message; both exit 2.
   * A server started without its node flags (server_node_args.ts) first re-executes itself with
   * them, whoever started it (the bin shims do it before loading the program, which is cheaper).
   */
  run(main: (argv: string[]) => Promise<void>): void {
    reexecWithServerNodeArgs(this.program);
    main(process.argv).catch((error: unknown) => {
      if (error instanceof CommanderError) {
        if (error.exitCode === 0) process.exit(0);
        this.fail(`${error.message.replace(/^error: /, "")} (usage: ${this.program} [options]; --help for more)`);
      }
      brokenExit(this.program, error);
    });
  }
}
