// mqnamesrv: starts a NameServer on the real Env, like RocketMQ's bin/mqnamesrv.
//   mqnamesrv [-c namesrv.properties] [-p] [-n addr]
// -c reads a Java properties file (unknown keys warn, bad values name file:line), -p prints the
// effective config as key=value lines and exits, -n is accepted as RocketMQ's ServerUtil does
// (the NameServer itself does not use it). Prints RocketMQ's boot line once it serves; SIGTERM /
// SIGINT shut it down gracefully; a taken port or a misuse is one clear line and exit code 2.
import { homedir } from "node:os";
import { Command } from "commander";
import { formatProperties } from "../config/properties.ts";
import { NetError } from "../env/env.ts";
import { createRealEnv } from "../env/real/index.ts";
import { defaultNamesrvConfig, namesrvConfigFromProperties, namesrvConfigProblems } from "../namesrv/namesrv_config.ts";
import type { NamesrvConfig } from "../namesrv/namesrv_config.ts";
import { NamesrvController } from "../namesrv/namesrv_controller.ts";
import { ServerCli } from "./server_cli.ts";
import { prepareProgram } from "./cli_boundary.ts";

interface Options {
  configFile?: string;
  printConfigItem?: boolean;
  namesrvAddr?: string;
}

const cli = new ServerCli("mqnamesrv");

function loadConfig(options: Options): NamesrvConfig {
  const defaults = defaultNamesrvConfig(homedir(), process.env["ROCKETMQ_HOME"] ?? "");
  const file = options.configFile;
  const config = file === undefined ? defaults : cli.readConfigFile(file, (text) => namesrvConfigFromProperties(text, file, defaults));
  const problems = namesrvConfigProblems(config);
  if (problems.length > 0) cli.fail(`invalid config: ${problems.join("; ")}`);
  return config;
}

async function main(argv: string[]): Promise<void> {
  const program = prepareProgram(new Command("mqnamesrv"))
    .description("Start an mqlab NameServer (RocketMQ 4.x compatible)")
    .option("-c, --configFile <file>", "NameServer config properties file")
    .option("-p, --printConfigItem", "print the effective config items and exit")
    .option("-n, --namesrvAddr <addr>", "NameServer address list, e.g. '192.168.0.1:9876;192.168.0.2:9876' (accepted, unused)")
    .allowExcessArguments(false);
  program.parse(argv);
  const options = program.opts<Options>();
  const config = loadConfig(options);
  if (options.printConfigItem) {
    process.stdout.write(`${formatProperties(config)}\n`);
    return;
  }
  const env = createRealEnv({ nodeName: "namesrv" });
  const controller = new NamesrvController(env, config);
  try {
    await controller.start();
  } catch (error) {
    await controller.shutdown();
    env.close();
    if (error instanceof NetError && error.code === "EADDRINUSE") {
      cli.fail(`cannot listen on ${config.listenHost}:${config.listenPort}: address already in use (EADDRINUSE); is another NameServer running?`);
    }
    cli.fail(`failed to start: ${(error as Error).message}`);
  }
  cli.shutdownOnSignals(env, () => controller.shutdown());
  process.stdout.write("The Name Server boot success. serializeType=JSON\n");
}

cli.run(main);
