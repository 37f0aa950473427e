// Test support: NameServers and brokers in this process on the real Env (loopback, ephemeral
// ports, temp store dirs), so client tests run against the real namesrv and broker code without
// spawning processes. stop() tears everything down; brokers can be stopped one by one.
import { join } from "node:path";
import { BrokerController } from "../../broker/broker_controller.ts";
import { testBrokerConfig } from "../../broker/testing/broker_fixture.ts";
import type { BrokerConfig } from "../../config/broker_config.ts";
import { createRealEnv } from "../../env/real/index.ts";
import type { RealEnv } from "../../env/real/index.ts";
import { defaultNamesrvConfig } from "../../namesrv/namesrv_config.ts";
import { NamesrvController } from "../../namesrv/namesrv_controller.ts";
import type { LogLevel } from "../../env/real/index.ts";

export interface LocalCluster {
  readonly env: RealEnv;
  readonly namesrvs: NamesrvController[];
  readonly namesrvAddrs: string[];
  readonly brokers: Map<string, BrokerController>;
  brokerAddr(brokerName: string): string;
  stopBroker(brokerName: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  /** An empty directory the cluster owns (stores, KV files); removed by stop(). */
  rootDir: string;
  namesrvCount?: number;
  brokerNames?: string[];
  brokerOverrides?: Partial<BrokerConfig>;
  logLevel?: LogLevel;
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const root = options.rootDir;
  const env = createRealEnv({ nodeName: "local-cluster", logLevel: options.logLevel ?? "silent" });
  const namesrvs: NamesrvController[] = [];
  const brokers = new Map<string, BrokerController>();
  const stopAll = async (): Promise<void> => {
    for (const broker of brokers.values()) await broker.shutdown().catch(() => undefined);
    for (const namesrv of namesrvs) await namesrv.shutdown().catch(() => undefined);
    env.disk.remove(root);
    env.close();
  };
  try {
    for (let i = 0; i < (options.namesrvCount ?? 1); i++) {
      const config = { ...defaultNamesrvConfig(join(root, `ns${i}`)), listenHost: "127.0.0.1", listenPort: 0 };
      const namesrv = new NamesrvController(env, config);
      await namesrv.start();
      namesrvs.push(namesrv);
    }
    const namesrvAddrs = namesrvs.map((namesrv) => `127.0.0.1:${namesrv.listenPort}`);
    for (const brokerName of options.brokerNames ?? ["broker-a"]) {
      const dir = join(root, brokerName);
      const config = testBrokerConfig(dir, { brokerName, namesrvAddr: namesrvAddrs.join(";"), ...options.brokerOverrides });
      const broker = new BrokerController(env, config, { namesrvAddrs });
      await broker.start();
      brokers.set(brokerName, broker);
    }
    return {
      env, namesrvs, namesrvAddrs, brokers,
      brokerAddr: (brokerName) => `127.0.0.1:${brokers.get(brokerName)!.listenPort}`,
      stopBroker: async (brokerName) => {
        await brokers.get(brokerName)?.shutdown();
        brokers.delete(brokerName);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Polls until check() is true or timeoutMs passes (then throws with the description). */
export async function waitFor(env: RealEnv, description: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const deadline = env.clock.monotonicMs() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (env.clock.monotonicMs() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`);
    await new Promise<void>((resolve) => env.timers.setTimeout(resolve, stepMs));
  }
}
