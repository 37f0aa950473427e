// TransactionProducer (RocketMQ's TransactionMQProducer + DefaultMQProducerImpl
// .sendMessageInTransaction / checkTransactionState / endTransaction, 4.9.x):
// 1. send the message as a *prepared* one (TRAN_MSG=true, PGROUP=group; any delay level is
//    dropped) with the normal sync send and its retries;
// 2. SEND_OK → run executeLocalTransaction (a throw or no answer counts as UNKNOW); a stored but
//    not SEND_OK result (FLUSH_*_TIMEOUT, SLAVE_NOT_AVAILABLE) → ROLLBACK_MESSAGE;
// 3. END_TRANSACTION oneway to the master that stored it: COMMIT (8), ROLLBACK (12) or NOT_TYPE
//    (0, UNKNOW: the broker keeps the half message and asks later).
// When the broker asks (CHECK_TRANSACTION_STATE, 39, routed here by ClientInstance through
// ProducerInner.checkTransactionState), checkLocalTransaction answers and the producer sends
// END_TRANSACTION with fromTransactionCheck=true to the broker that asked. Any producer of the
// group may answer: the state lives in the application, not in this object.
import type { Env } from "../../env/env.ts";
import type { MessageExt } from "../../message/index.ts";
import { MessageConst, MessageSysFlag, parseOffsetMsgId, validateTopic } from "../../message/index.ts";
import { encodeHeader } from "../../protocol/header_codec.ts";
import { EndTransactionRequestHeader } from "../../protocol/headers.ts";
import type { CheckTransactionStateRequestHeader } from "../../protocol/headers.ts";
import { createRequest, RequestCode } from "../../remoting/index.ts";
import { MQClientError } from "../client_errors.ts";
import { errorText } from "../../stdx/error_text.ts";
import type { Message } from "../message.ts";
import { bodyBytes, messageProperties } from "../message.ts";
import { Producer } from "./producer.ts";
import type { ProducerOptions } from "./producer.ts";
import type { SendResult } from "./send_kernel.ts";

export type LocalTransactionState = "COMMIT_MESSAGE" | "ROLLBACK_MESSAGE" | "UNKNOW";

/** A message as the listener sees it: what was sent, plus the transaction id (UNIQ_KEY). */
export interface TransactionMessage {
  readonly topic: string;
  readonly body: Uint8Array;
  readonly properties: ReadonlyMap<string, string>;
  readonly transactionId: string;
}

export interface TransactionListener {
  executeLocalTransaction(message: TransactionMessage, arg: unknown): LocalTransactionState | Promise<LocalTransactionState>;
  checkLocalTransaction(message: TransactionMessage): LocalTransactionState | Promise<LocalTransactionState>;
}

export interface TransactionProducerOptions extends ProducerOptions {
  transactionListener: TransactionListener;
  /** END_TRANSACTION is oneway; this bounds writing it (Java: 3000 ms, sendMsgTimeout). */
  endTransactionTimeoutMs?: number;
}

export interface TransactionSendResult extends SendResult {
  readonly localTransactionState: LocalTransactionState;
}

/** LocalTransactionState → END_TRANSACTION commitOrRollback. */
export function commitOrRollbackOf(state: LocalTransactionState): number {
  switch (state) {
    case "COMMIT_MESSAGE": return MessageSysFlag.TRANSACTION_COMMIT_TYPE;
    case "ROLLBACK_MESSAGE": return MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
    case "UNKNOW": return MessageSysFlag.TRANSACTION_NOT_TYPE;
  }
}

export class TransactionProducer extends Producer {
  private readonly listener: TransactionListener;

  constructor(env: Env, options: TransactionProducerOptions) {
    super(env, options);
    this.listener = options.transactionListener;
  }

  async sendMessageInTransaction(message: Message, arg?: unknown): Promise<TransactionSendResult> {
    const problem = validateTopic(message.topic);
    if (problem !== null) throw new MQClientError(problem, 13);
    const body = bodyBytes(message.body);
    if (body.length === 0) throw new MQClientError("the message body length is zero", 13);
    const properties = messageProperties({ ...message, delayTimeLevel: undefined });
    properties.set(MessageConst.TRANSACTION_PREPARED, "true");
    properties.set(MessageConst.PRODUCER_GROUP, this.groupName);
    let sent: SendResult;
    try {
      sent = await this.sendRaw({ topic: message.topic, body, properties, flag: message.flag ?? 0 });
    } catch (error) {
      throw new MQClientError("send message Exception", undefined, { cause: error });
    }
    const transactionId = properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? sent.msgId;
    let state: LocalTransactionState;
    let localError: unknown;
    if (sent.sendStatus === "SEND_OK") {
      try {
        state = await this.listener.executeLocalTransaction({ topic: message.topic, body, properties, transactionId }, arg);
      } catch (error) {
        localError = error;
        state = "UNKNOW";
      }
    } else {
      state = "ROLLBACK_MESSAGE";
    }
    try {
      await this.endTransaction(sent, state, localError);
    } catch (error) {
      this.logWarn(`local transaction execute ${state}, but end broker transaction failed`, error);
    }
    return { ...sent, transactionId, localTransactionState: state };
  }

  /** ProducerInner: the broker asks about a half message (its copy in the check). */
  checkTransactionState(brokerAddr: string, message: MessageExt, header: CheckTransactionStateRequestHeader): void {
    void this.answerCheck(brokerAddr, message, header);
  }

  private async answerCheck(brokerAddr: string, message: MessageExt, header: CheckTransactionStateRequestHeader): Promise<void> {
    const uniqKey = message.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? message.msgId;
    let state: LocalTransactionState;
    let remark: string | undefined;
    try {
      state = await this.listener.checkLocalTransaction({
        topic: message.topic, body: message.body, properties: message.properties, transactionId: header.transactionId ?? uniqKey,
      });
    } catch (error) {
      remark = `checkLocalTransactionState Exception: ${errorText(error)}`;
      state = "UNKNOW";
    }
    try {
      await this.endTransactionOneway(brokerAddr, {
        producerGroup: this.groupName, tranStateTableOffset: header.tranStateTableOffset, commitLogOffset: header.commitLogOffset,
        commitOrRollback: commitOrRollbackOf(state), fromTransactionCheck: true, msgId: uniqKey,
        ...(header.transactionId === undefined ? {} : { transactionId: header.transactionId }),
      }, remark);
    } catch (error) {
      this.logWarn("endTransactionOneway exception", error);
    }
  }

  /** DefaultMQProducerImpl.endTransaction: to the master of the broker that stored the half message. */
  private async endTransaction(sent: SendResult, state: LocalTransactionState, localError: unknown): Promise<void> {
    const offsetMsgId = sent.offsetMsgId.length > 0 ? sent.offsetMsgId : sent.msgId;
    const { commitLogOffset } = parseOffsetMsgId(offsetMsgId);
    const brokerAddr = this.client().routes.findBrokerAddressInPublish(sent.messageQueue.brokerName);
    if (brokerAddr === undefined) throw new MQClientError(`The broker[${sent.messageQueue.brokerName}] not exist`);
    const remark = localError === undefined ? undefined : `executeLocalTransactionBranch exception: ${errorText(localError)}`;
    await this.endTransactionOneway(brokerAddr, {
      producerGroup: this.groupName, tranStateTableOffset: sent.queueOffset, commitLogOffset, commitOrRollback: commitOrRollbackOf(state),
      fromTransactionCheck: false, msgId: sent.msgId, ...(sent.transactionId === undefined ? {} : { transactionId: sent.transactionId }),
    }, remark);
  }

  private async endTransactionOneway(brokerAddr: string, header: EndTransactionRequestHeader, remark: string | undefined): Promise<void> {
    const request = createRequest(RequestCode.END_TRANSACTION, encodeHeader(EndTransactionRequestHeader, header), undefined, remark === undefined ? {} : { remark });
    await this.client().api.invokeOneway(brokerAddr, request);
  }

  private logWarn(text: string, error: unknown): void {
    this.client().log.warn(text, { group: this.groupName, error: errorText(error) });
  }
}
