// Offsets and lookups: GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29),
// GET_EARLIEST_MSG_STORETIME (32) [AdminBrokerProcessor], VIEW_MESSAGE_BY_ID (33) and
// QUERY_MESSAGE (12, by KEYS or by UNIQ_KEY with extField _UNIQUE_KEY_QUERY=true)
// [QueryMessageProcessor]. Bodies are raw stored records, exactly as pulled.
import { decodeHeader } from "../../protocol/header_codec.ts";
import {
  GetEarliestMsgStoretimeRequestHeader, GetMaxOffsetRequestHeader, GetMinOffsetRequestHeader, QueryMessageRequestHeader,
  SearchOffsetRequestHeader, ViewMessageRequestHeader,
} from "../../protocol/headers.ts";
import { ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { respond } from "./responses.ts";

/** MessageStoreConfig.defaultQueryMaxNum: cap for UNIQ_KEY queries. */
export const DEFAULT_QUERY_MAX_NUM = 32;

export class QueryProcessor {
  constructor(private readonly runtime: BrokerRuntime) {}

  getMaxOffset(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(GetMaxOffsetRequestHeader, request.extFields);
    return respond(request, ResponseCode.SUCCESS, undefined, { offset: this.runtime.store.getMaxOffsetInQueue(header.topic, header.queueId) });
  }

  getMinOffset(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(GetMinOffsetRequestHeader, request.extFields);
    return respond(request, ResponseCode.SUCCESS, undefined, { offset: this.runtime.store.getMinOffsetInQueue(header.topic, header.queueId) });
  }

  searchOffsetByTimestamp(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(SearchOffsetRequestHeader, request.extFields);
    const offset = this.runtime.store.getOffsetInQueueByTime(header.topic, header.queueId, header.timestamp);
    return respond(request, ResponseCode.SUCCESS, undefined, { offset });
  }

  getEarliestMsgStoretime(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(GetEarliestMsgStoretimeRequestHeader, request.extFields);
    return respond(request, ResponseCode.SUCCESS, undefined, { timestamp: this.runtime.store.getEarliestMessageTime(header.topic, header.queueId) });
  }

  viewMessageById(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(ViewMessageRequestHeader, request.extFields);
    const record = this.runtime.store.selectOneMessageByOffset(header.offset);
    if (record === undefined) return respond(request, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${header.offset}`);
    return respond(request, ResponseCode.SUCCESS, undefined, {}, record);
  }

  queryMessage(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(QueryMessageRequestHeader, request.extFields);
    const maxNum = request.extFields["_UNIQUE_KEY_QUERY"] === "true" ? DEFAULT_QUERY_MAX_NUM : header.maxNum;
    const result = this.runtime.store.queryMessage(header.topic, header.key, maxNum, header.beginTimestamp, header.endTimestamp);
    const fields = { indexLastUpdateTimestamp: result.indexLastUpdateTimestamp, indexLastUpdatePhyoffset: result.indexLastUpdatePhyoffset };
    if (result.messages.length === 0) return respond(request, ResponseCode.QUERY_NOT_FOUND, "can not find message, maybe time range not correct", fields);
    const total = result.messages.reduce((sum, message) => sum + message.length, 0);
    const body = new Uint8Array(total);
    let at = 0;
    for (const message of result.messages) {
      body.set(message, at);
      at += message.length;
    }
    return respond(request, ResponseCode.SUCCESS, undefined, fields, body);
  }
}
