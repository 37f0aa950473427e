// mqbroker: starts a Broker on the real Env, like RocketMQ's bin/mqbroker.
//   mqbroker [-c broker.conf] [-n "a:9876;b:9876"] [-p]
// -c reads broker.conf (unknown keys warn, a malformed value names file:line and exits 2); the
// NameServer list comes from -n, else the config's namesrvAddr, else $NAMESRV_ADDR; -p prints the
// effective config and exits. Defaults for brokerName/brokerIP1/store paths come from this host
// (hostname, first non-loopback IPv4, home directory). Prints RocketMQ's boot line once it
// serves; SIGTERM / SIGINT shut it down gracefully (exit 0); a taken port or an unusable store is
// a clear message and exit 2 (misuse too: system/cli/cli_boundary.ts).
import { homedir, hostname, networkInterfaces, totalmem } from "node:os";
import { Command } from "commander";
import { defaultBrokerConfig, parseBrokerConfig } from "../config/broker_config.ts";
import type { BrokerConfig, BrokerConfigContext } from "../config/broker_config.ts";
import { resolveNamesrvAddr } from "../config/namesrv_addr.ts";
import { formatProperties } from "../config/properties.ts";
import { createRealEnv } from "../env/real/index.ts";
import { BrokerController, BrokerStartError } from "../broker/broker_controller.ts";
import { ServerCli } from "./server_cli.ts";
import { brokerMetricsSnapshot } from "../broker/broker_metrics.ts";
import { serveBrokerMetrics } from "./broker_metrics_http.ts";
import { prepareProgram } from "./cli_boundary.ts";
import { errorText } from "../stdx/error_text.ts";

interface Options {
  configFile?: string;
  namesrvAddr?: string;
  printConfigItem?: boolean;
}

const cli = new ServerCli("mqbroker");

function firstLocalIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  return "127.0.0.1";
}

function hostContext(): BrokerConfigContext {
  const name = hostname().replace(/[^%|a-zA-Z0-9_-]/g, "-");
  return { homeDir: homedir(), hostName: name === "" ? "broker" : name, localIp: firstLocalIpv4(), totalPhysicalMemoryBytes: totalmem() };
}

function loadConfig(options: Options): { config: BrokerConfig; namesrvAddrs: string[] } {
  const context = hostContext();
  const file = options.configFile;
  let config = file === undefined
    ? defaultBrokerConfig(context)
    : cli.readConfigFile(file, (text) => parseBrokerConfig(text, file, context));
  const namesrvAddrs = cli.configOrFail(() =>
    resolveNamesrvAddr({ option: options.namesrvAddr, config: config.namesrvAddr, environment: process.env["NAMESRV_ADDR"] }));
  if (namesrvAddrs.length > 0) config = { ...config, namesrvAddr: namesrvAddrs.join(";") };
  return { config, namesrvAddrs };
}

async function main(argv: string[]): Promise<void> {
  const program = prepareProgram(new Command("mqbroker"))
    .description("Start an mqlab Broker (RocketMQ 4.x compatible)")
    .option("-c, --configFile <file>", "broker config file (broker.conf, Java properties)")
    .option("-n, --namesrvAddr <addr>", "NameServer address list, e.g. '192.168.0.1:9876;192.168.0.2:9876'")
    .option("-p, --printConfigItem", "print the effective config items and exit")
    .allowExcessArguments(false);
  program.parse(argv);
  const options = program.opts<Options>();
  const { config, namesrvAddrs } = loadConfig(options);
  if (options.printConfigItem) {
    process.stdout.write(`${formatProperties(config)}\n`);
    return;
  }
  if (namesrvAddrs.length === 0) cli.warn("no NameServer address (-n, namesrvAddr or NAMESRV_ADDR): clients will not find this broker");
  const env = createRealEnv({ nodeName: config.brokerName });
  const controller = new BrokerController(env, config, { namesrvAddrs });
  try {
    await controller.start();
  } catch (error) {
    env.close();
    if (error instanceof BrokerStartError) cli.fail(`failed to start: ${error.message}`);
    cli.fail(`failed to start: ${errorText(error)}`);
  }
  let closeMetrics = (): void => {};
  if (config.metricsPort > 0) {
    const read = () => brokerMetricsSnapshot({
      brokerConfig: config, counters: controller.counters, brokerAddr: controller.brokerAddr,
      storeRuntimeInfo: () => controller.store.runtimeInfo(), haRuntimeInfo: () => controller.ha?.runtimeInfo() ?? {},
    });
    try {
      const server = await serveBrokerMetrics(config.brokerIP1, config.metricsPort, read);
      closeMetrics = () => server.close();
    } catch (error) {
      await controller.shutdown();
      env.close();
      cli.fail(`failed to start: metricsPort ${config.metricsPort}: ${(error as Error).message}`);
    }
  }
  cli.shutdownOnSignals(env, () => {
    closeMetrics();
    return controller.shutdown();
  });
  let tip = `The broker[${config.brokerName}, ${controller.brokerAddr}] boot success. serializeType=JSON`;
  if (namesrvAddrs.length > 0) tip += ` and name server is ${namesrvAddrs.join(";")}`;
  process.stdout.write(`${tip}\n`);
}

cli.run(main);
