// TransactionalMessageCheckService + AbstractTransactionalMessageCheckListener.sendCheckMessage
// [broker/.../transaction/]: every transactionCheckInterval a master runs one check round and,
// for each half message due, sends CHECK_TRANSACTION_STATE (39) oneway to one live producer
// channel of the message's producer group (PGROUP), chosen at random as
// ProducerManager.getAvailableChannel does. No live producer: the copy stays in the half queue
// and the next round asks again. Rounds never overlap; timers come from the Env.
import type { Env, Log, TimerHandle } from "../../env/env.ts";
import { probe } from "../../env/probe.ts";
import type { MessageExt } from "../../message/index.ts";
import { encodeMessageRecord, MessageConst } from "../../message/index.ts";
import { encodeHeader } from "../../protocol/header_codec.ts";
import { CheckTransactionStateRequestHeader } from "../../protocol/headers.ts";
import { createRequest, RequestCode } from "../../remoting/index.ts";
import type { ProducerManager } from "../client/producer_manager.ts";
import type { CheckRoundResult, CheckSettings, TransactionalMessageService } from "./transactional_message_service.ts";
import { realQueueOf } from "./transactional_message_util.ts";

export interface TransactionCheckOptions extends CheckSettings {
  transactionCheckIntervalMs: number;
  /** Slaves never check (their role can change at runtime in the lab). */
  isMaster: () => boolean;
}

export class TransactionCheckService {
  private timer: TimerHandle | undefined;
  private running: Promise<CheckRoundResult | undefined> | undefined;
  private rounds = 0;

  constructor(
    private readonly env: Env,
    private readonly log: Log,
    private readonly service: TransactionalMessageService,
    private readonly producers: ProducerManager,
    private readonly options: TransactionCheckOptions,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.env.timers.setInterval(() => void this.runRound(), Math.max(1, this.options.transactionCheckIntervalMs));
  }

  shutdown(): void {
    if (this.timer !== undefined) this.env.timers.clear(this.timer);
    this.timer = undefined;
  }

  get roundCount(): number {
    return this.rounds;
  }

  /** One round now (tests and the timer); a round already running is joined, not doubled. */
  runRound(): Promise<CheckRoundResult | undefined> {
    if (this.running !== undefined) return this.running;
    if (!this.options.isMaster()) return Promise.resolve(undefined);
    const round = this.service.check(this.options, (half) => this.sendCheck(half))
      .catch((error: unknown) => {
        this.log.error("transaction check round failed", { error: error instanceof Error ? error.message : String(error) });
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
        this.rounds += 1;
      });
    this.running = round;
    return round;
  }

  /** sendCheckMessage: the message as the producer knows it (real topic and queue). */
  private sendCheck(half: MessageExt): void {
    const group = half.properties.get(MessageConst.PRODUCER_GROUP) ?? "";
    const live = this.producers.groupChannels(group).filter((info) => !info.channel.closed);
    if (live.length === 0) {
      probe(this.env, "broker.transaction.check-no-producer");
      this.log.warn("Check transaction failed, channel is null.", { groupId: group, halfOffset: half.queueOffset });
      return;
    }
    const info = live[this.env.random.intBetween(0, live.length - 1)]!;
    const real = realQueueOf(half);
    const shown = real === undefined ? half : { ...half, topic: real.topic, queueId: real.queueId };
    const uniqKey = half.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
    const header = encodeHeader(CheckTransactionStateRequestHeader, {
      tranStateTableOffset: half.queueOffset,
      commitLogOffset: half.commitLogOffset,
      offsetMsgId: half.msgId,
      ...(uniqKey === undefined ? {} : { msgId: uniqKey, transactionId: uniqKey }),
    });
    try {
      info.channel.invokeOneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE, header, encodeMessageRecord(shown)));
      probe(this.env, "broker.transaction.check");
      this.log.info("transaction check sent", { group, clientId: info.clientId, halfOffset: half.queueOffset, uniqKey });
    } catch (error) {
      this.log.warn("transaction check could not be sent", { group, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
