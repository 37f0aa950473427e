// SlaveSynchronize [broker/.../slave/SlaveSynchronize.java]: metadata is not in the HA stream,
// so a slave pulls it from its master's broker port every slaveSyncIntervalMs (first after 3 s):
// GET_ALL_TOPIC_CONFIG (21), GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45) and
// GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), applied as RocketMQ 4.9.7 does: topics and groups
// replace the table when the data version differs; consumer offsets overwrite the slave's
// entry per "topic@group" key (putAll: offsets committed to the slave while the master was down
// stay for keys the master does not have, and are overwritten for keys it has); delay offsets
// replace the slave's. The master address comes from the NameServer's REGISTER_BROKER reply
// (undefined while the master is not registered: nothing is synced then).
// Each step fails on its own (logged); a round never overlaps the previous one.
import type { Env, Log, TimerHandle } from "../env/env.ts";
import { parseFastjson } from "../protocol/fastjson.ts";
import { createRequest, fromUtf8, RequestCode, ResponseCode } from "../remoting/index.ts";
import type { RemotingCommand } from "../remoting/index.ts";
import { assert } from "../stdx/assert.ts";
import { SLAVE_SYNC_FIRST_DELAY_MS } from "./ha_constants.ts";
import { errorText } from "../stdx/error_text.ts";
import { noHATestFaults, type HATestFaultsSource } from "./test_faults.ts";

/** How the broker applies what the master sent (its managers' slave-side seams). */
export interface SlaveSyncTarget {
  /** This broker's own address (a slave never syncs from itself). */
  selfAddr(): string;
  /** True when the table changed. */
  applyTopicConfig(content: unknown): boolean;
  applyConsumerOffsets(content: unknown): void;
  applyDelayOffsets(text: string): void;
  applySubscriptionGroups(content: unknown): boolean;
}

export type MasterInvoker = (addr: string, request: RemotingCommand, timeoutMs: number) => Promise<RemotingCommand>;

export type SyncStep = "topicConfig" | "consumerOffset" | "delayOffset" | "subscriptionGroup";

export interface SyncRound {
  masterAddr: string | undefined;
  ok: SyncStep[];
  failed: { step: SyncStep; error: string }[];
}

export class SlaveSynchronize {
  readonly log: Log;
  private masterAddr: string | undefined;
  private firstTimer: TimerHandle | undefined;
  private timer: TimerHandle | undefined;
  private running: Promise<SyncRound> | undefined;
  rounds = 0;

  constructor(
    private readonly env: Env,
    log: Log,
    private readonly invoke: MasterInvoker,
    private readonly target: SlaveSyncTarget,
    private readonly options: { intervalMs: number; timeoutMs: number },
    private readonly testFaults: HATestFaultsSource = noHATestFaults,
  ) {
    assert(options.intervalMs > 0 && options.timeoutMs > 0, "sync interval and timeout are positive");
    this.log = log.child({ component: "slave-synchronize" });
  }

  get master(): string | undefined {
    return this.masterAddr;
  }

  setMasterAddr(addr: string | undefined): void {
    if (addr !== this.masterAddr) this.log.info("slave sync master address", { old: this.masterAddr, new: addr });
    this.masterAddr = addr;
  }

  start(): void {
    assert(this.firstTimer === undefined && this.timer === undefined, "start once");
    this.firstTimer = this.env.timers.setTimeout(() => {
      this.timer = this.env.timers.setInterval(() => this.requestSync(), this.options.intervalMs);
      this.requestSync();
    }, Math.min(SLAVE_SYNC_FIRST_DELAY_MS, this.options.intervalMs));
  }

  shutdown(): void {
    this.env.timers.clear(this.firstTimer);
    this.env.timers.clear(this.timer);
    this.firstTimer = undefined;
    this.timer = undefined;
  }

  private requestSync(): void {
    if (this.running !== undefined) return;
    this.running = this.syncAll().finally(() => {
      this.running = undefined;
    });
  }

  /** One round of all four steps (never rejects). */
  async syncAll(): Promise<SyncRound> {
    const addr = this.masterAddr;
    const round: SyncRound = { masterAddr: addr, ok: [], failed: [] };
    if (addr === undefined || addr === this.target.selfAddr()) return round;
    this.rounds += 1;
    const step = async (name: SyncStep, code: number, apply: (body: Uint8Array) => void): Promise<void> => {
      try {
        const response = await this.invoke(addr, createRequest(code, {}), this.options.timeoutMs);
        if (response.code !== ResponseCode.SUCCESS) throw new Error(`code ${response.code} ${response.remark ?? ""}`.trim());
        apply(response.body ?? new Uint8Array(0));
        round.ok.push(name);
      } catch (error) {
        const text = errorText(error);
        round.failed.push({ step: name, error: text });
        this.log.warn("slave sync step failed", { step: name, master: addr, error: text });
      }
    };
    await step("topicConfig", RequestCode.GET_ALL_TOPIC_CONFIG, (body) => {
      if (this.target.applyTopicConfig(parseFastjson(fromUtf8(body)))) this.log.info("update slave topic config from master", { master: addr });
    });
    await step("consumerOffset", RequestCode.GET_ALL_CONSUMER_OFFSET, (body) => {
      if (this.testFaults().slaveSkipsOffsetSync === true) return; // TEST FAULT: fetched, never applied
      this.target.applyConsumerOffsets(parseFastjson(fromUtf8(body)));
    });
    await step("delayOffset", RequestCode.GET_ALL_DELAY_OFFSET, (body) => {
      this.target.applyDelayOffsets(fromUtf8(body));
    });
    await step("subscriptionGroup", RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (body) => {
      if (this.target.applySubscriptionGroups(parseFastjson(fromUtf8(body)))) this.log.info("update slave subscription groups from master", { master: addr });
    });
    return round;
  }
}
