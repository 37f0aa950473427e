// END_TRANSACTION (37) [broker/.../processor/EndTransactionProcessor.java]. Producers send it
// oneway after their local transaction, or in answer to CHECK_TRANSACTION_STATE (39).
// Order: slave → SLAVE_NOT_AVAILABLE; commitOrRollback NOT_TYPE (UNKNOW) → no response, the
// half message stays for the next check; find the half message by commitLogOffset (none →
// SYSTEM_ERROR "Find prepared transaction message failed"); checkPrepareMessage (producer group,
// tranStateTableOffset, commitLogOffset must all match); commit → store the real message, then
// the op message; rollback → the op message only. Like 4.9.x, a second END_TRANSACTION for the
// same half message is not refused (a commit may be stored twice: at least once).
import { decodeHeader } from "../../protocol/header_codec.ts";
import { EndTransactionRequestHeader } from "../../protocol/headers.ts";
import type { MessageExt } from "../../message/index.ts";
import { MessageConst, MessageSysFlag } from "../../message/index.ts";
import { ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import { probe } from "../../env/probe.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { putOutcome } from "../processor/put_result.ts";
import { respond } from "../processor/responses.ts";
import type { TransactionalMessageService } from "./transactional_message_service.ts";
import { endMessageTransaction } from "./transactional_message_util.ts";

export class EndTransactionProcessor {
  constructor(private readonly runtime: BrokerRuntime, private readonly service: TransactionalMessageService) {}

  async process(context: RequestContext, request: RemotingCommand): Promise<RemotingCommand | undefined> {
    const header = decodeHeader(EndTransactionRequestHeader, request.extFields);
    if (this.runtime.brokerConfig.brokerRole === "SLAVE") {
      this.runtime.log.warn("Message store is slave mode, so end transaction is forbidden.");
      return respond(request, ResponseCode.SLAVE_NOT_AVAILABLE, "Message store is slave mode, so end transaction is forbidden.");
    }
    const type = header.commitOrRollback;
    const from = { producerGroup: header.producerGroup, msgId: header.msgId, fromTransactionCheck: header.fromTransactionCheck === true, remote: context.channel.remoteAddress };
    if (type !== MessageSysFlag.TRANSACTION_COMMIT_TYPE && type !== MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) {
      if (type === MessageSysFlag.TRANSACTION_NOT_TYPE) this.runtime.log.info("end transaction: the producer does not know the state yet", from);
      return undefined;
    }
    const half = this.service.lookupHalf(header.commitLogOffset);
    const problem = checkPrepareMessage(half, header);
    if (half === undefined || problem !== null) {
      this.runtime.log.warn("end transaction refused", { ...from, problem });
      return respond(request, ResponseCode.SYSTEM_ERROR, problem ?? "Find prepared transaction message failed");
    }
    if (type === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) {
      probe(this.runtime.env, "broker.transaction.rollback");
      await this.service.markDone(half);
      return respond(request, ResponseCode.SUCCESS);
    }
    const inner = endMessageTransaction(half, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    const put = await this.runtime.store.putMessage(inner, { waitStoreMsgOK: false });
    const outcome = putOutcome(put.status, this.runtime.brokerConfig.maxMessageSize, put.reason);
    if (!outcome.stored) return respond(request, outcome.code, outcome.remark ?? put.status);
    probe(this.runtime.env, "broker.transaction.commit");
    await this.service.markDone(half);
    this.runtime.log.debug("transaction committed", { ...from, topic: inner.topic, queueId: inner.queueId, uniqKey: inner.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX) });
    return respond(request, ResponseCode.SUCCESS);
  }
}

/** EndTransactionProcessor.checkPrepareMessage: null when the request names this half message. */
export function checkPrepareMessage(half: MessageExt | undefined, header: EndTransactionRequestHeader): string | null {
  if (half === undefined) return "Find prepared transaction message failed";
  if (half.properties.get(MessageConst.PRODUCER_GROUP) !== header.producerGroup) return "The producer group wrong";
  if (half.queueOffset !== header.tranStateTableOffset) return "The transaction state table offset wrong";
  if (half.commitLogOffset !== header.commitLogOffset) return "The commit log offset wrong";
  return null;
}
