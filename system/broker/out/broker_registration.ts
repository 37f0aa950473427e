// Keeps this broker registered with every NameServer [BrokerController.registerBrokerAll]:
// at start, every registerNameServerPeriod, and at once when the topic table changes (requests
// that arrive while one is running are coalesced into one more round).
// Period: RocketMQ clamps registerNameServerPeriod to [10 s, 60 s]; mqlab keeps the 60 s cap
// but honours periods below 10 s so the lab can run fast timelines (documented deviation).
// The first periodic round follows min(10 s, period) after start, as RocketMQ's 10 s delay.
// Remembers haServerAddr/masterAddr from the replies (a slave's HA and metadata sync use them).
import type { Env, Log, TimerHandle } from "../../env/env.ts";
import type { BrokerConfig } from "../../config/broker_config.ts";
import { isReadable, isWriteable } from "../../protocol/topic_config.ts";
import type { TopicConfigManager, TopicConfigSerializeWrapper } from "../topic_config_manager.ts";
import type { BrokerIdentity, BrokerOuterAPI, RegisterBrokerResult } from "./broker_outer_api.ts";
import { errorText } from "../../stdx/error_text.ts";

export const REGISTER_PERIOD_MAX_MS = 60_000;
export const REGISTER_PERIOD_MIN_MS = 10_000;

/** RocketMQ's clamp, except that lab-fast periods below 10 s are kept. */
export function effectiveRegisterPeriodMs(configuredMs: number): number {
  return Math.min(Math.max(1, configuredMs), REGISTER_PERIOD_MAX_MS);
}

export type RegisterResultListener = (result: RegisterBrokerResult) => void;

export class BrokerRegistration {
  private readonly log: Log;
  private timer: TimerHandle | undefined;
  private initialTimer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly listeners: RegisterResultListener[] = [];
  /** From the last successful reply (undefined for a master). */
  masterAddr: string | undefined;
  haServerAddr: string | undefined;
  registrations = 0;

  constructor(
    private readonly env: Env,
    private readonly config: BrokerConfig,
    private readonly outer: BrokerOuterAPI,
    private readonly topics: TopicConfigManager,
    private readonly identity: () => BrokerIdentity,
    private readonly haServerAddrOfSelf: () => string,
  ) {
    this.log = env.log.child({ component: "broker-registration" });
  }

  onResult(listener: RegisterResultListener): void {
    this.listeners.push(listener);
  }

  startPeriodic(): void {
    const periodMs = effectiveRegisterPeriodMs(this.config.registerNameServerPeriod);
    this.initialTimer = this.env.timers.setTimeout(() => {
      this.timer = this.env.timers.setInterval(() => this.requestRegister(true, this.config.forceRegister), periodMs);
      this.requestRegister(true, this.config.forceRegister);
    }, Math.min(REGISTER_PERIOD_MIN_MS, periodMs));
  }

  stop(): void {
    this.env.timers.clear(this.initialTimer);
    this.env.timers.clear(this.timer);
    this.initialTimer = undefined;
    this.timer = undefined;
  }

  /** Fire-and-forget register (topic change, periodic); never rejects. */
  requestRegister(checkOrderConfig: boolean, force: boolean): void {
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.loop(checkOrderConfig, force).finally(() => {
      this.running = undefined;
    });
  }

  /** Registers now and waits (start). */
  async registerNow(checkOrderConfig: boolean, force: boolean): Promise<void> {
    if (this.running !== undefined) await this.running;
    await this.registerBrokerAll(checkOrderConfig, force);
  }

  /** Waits for an in-flight round (shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async loop(checkOrderConfig: boolean, force: boolean): Promise<void> {
    do {
      this.again = false;
      await this.registerBrokerAll(checkOrderConfig, force);
    } while (this.again);
  }

  private wrapper(): TopicConfigSerializeWrapper {
    const wrapper = this.topics.buildSerializeWrapper();
    const perm = this.config.brokerPermission;
    if (isWriteable(perm) && isReadable(perm)) return wrapper;
    // A broker whose own permission is reduced (wipe write perm) advertises it on every topic.
    for (const topic of wrapper.topicConfigTable.values()) topic.perm = perm;
    return wrapper;
  }

  private async registerBrokerAll(checkOrderConfig: boolean, force: boolean): Promise<void> {
    if (this.outer.nameServerAddressList.length === 0) return;
    const identity = this.identity();
    try {
      if (!force && !(await this.outer.needRegister(identity, this.topics.dataVersion.toJSON(), this.config.registerBrokerTimeoutMills))) return;
      const outcome = await this.outer.registerBrokerAll(
        identity, this.haServerAddrOfSelf(), this.wrapper(), this.config.registerBrokerTimeoutMills, this.config.compressedRegister,
      );
      this.registrations += 1;
      for (const result of outcome.results) {
        this.log.info("register broker to name server OK", { namesrvAddr: result.namesrvAddr, brokerId: identity.brokerId, masterAddr: result.masterAddr, haServerAddr: result.haServerAddr });
      }
      for (const failure of outcome.failures) {
        this.log.warn("register broker to name server failed", { namesrvAddr: failure.namesrvAddr, error: failure.error });
      }
      const first = outcome.results[0];
      if (first === undefined) return;
      this.masterAddr = first.masterAddr;
      this.haServerAddr = first.haServerAddr;
      if (checkOrderConfig && first.kvTable !== undefined) this.topics.updateOrderTopicConfig(first.kvTable);
      for (const listener of this.listeners) listener(first);
    } catch (error) {
      this.log.error("register broker failed", { error: errorText(error) });
    }
  }
}
