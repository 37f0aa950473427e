// GET_CONSUMER_LIST_BY_GROUP (38), QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15)
// [broker/.../processor/ConsumerManageProcessor.java].
// QUERY_CONSUMER_OFFSET's not-found rule: nothing stored and the queue's min offset ≤ 0 and
// offset 0 still in memory → offset 0 (a new group starts at the beginning of a young queue);
// otherwise 22 QUERY_NOT_FOUND. UPDATE_CONSUMER_OFFSET arrives oneway; -1 is ignored.
import { decodeHeader } from "../../protocol/header_codec.ts";
import {
  GetConsumerListByGroupRequestHeader, QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader,
} from "../../protocol/headers.ts";
import { ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { jsonBody, respond } from "./responses.ts";

export class ConsumerManageProcessor {
  constructor(private readonly runtime: BrokerRuntime) {}

  getConsumerListByGroup(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const { consumerGroup } = decodeHeader(GetConsumerListByGroupRequestHeader, request.extFields);
    const clientIds = this.runtime.consumerManager.getConsumerGroupInfo(consumerGroup)?.allClientIds() ?? [];
    if (clientIds.length > 0) return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody({ consumerIdList: clientIds }));
    this.runtime.log.warn("getConsumerGroupInfo failed", { group: consumerGroup, remoteAddress: context.channel.remoteAddress });
    return respond(request, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${consumerGroup}`);
  }

  updateConsumerOffset(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(UpdateConsumerOffsetRequestHeader, request.extFields);
    if (this.runtime.testFaults.skipCommitOffset !== true) {
      this.runtime.consumerOffsetManager.commitOffset(context.channel.remoteAddress, header.consumerGroup, header.topic, header.queueId, header.commitOffset);
    }
    return respond(request, ResponseCode.SUCCESS);
  }

  queryConsumerOffset(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(QueryConsumerOffsetRequestHeader, request.extFields);
    const offset = this.runtime.consumerOffsetManager.queryOffset(header.consumerGroup, header.topic, header.queueId);
    if (offset >= 0) return respond(request, ResponseCode.SUCCESS, undefined, { offset });
    const { store } = this.runtime;
    const minOffset = store.getMinOffsetInQueue(header.topic, header.queueId);
    // TEST FAULT lastOffsetFromZero: every queue is treated as young, so a new group starts at 0.
    if (this.runtime.testFaults.lastOffsetFromZero === true) return respond(request, ResponseCode.SUCCESS, undefined, { offset: 0 });
    if (minOffset <= 0 && !store.checkInDiskByConsumeOffset(header.topic, header.queueId, 0)) {
      return respond(request, ResponseCode.SUCCESS, undefined, { offset: 0 });
    }
    return respond(request, ResponseCode.QUERY_NOT_FOUND, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
  }
}
