// Header specs of the requests and responses mqlab speaks, from RocketMQ 4.9.7's
// common/protocol/header classes ("!" = @CFNotNull). Field names are the wire names.
// Classes extending RpcRequestHeader also carry an optional `bname` (broker name, 4.9.3+).
// Primitive Java booleans (unitMode, batch, compressed...) are optional here: absent = false.
import { defineHeader } from "./header_codec.ts";
import type { HeaderOf } from "./header_codec.ts";

// ---- send (10 / 310 / 320) ----
export const SendMessageRequestHeader = defineHeader("SendMessageRequestHeader", {
  producerGroup: "string!",
  topic: "string!",
  defaultTopic: "string!",
  defaultTopicQueueNums: "int!",
  queueId: "int!",
  sysFlag: "int!",
  bornTimestamp: "long!",
  flag: "int!",
  properties: "string",
  reconsumeTimes: "int",
  unitMode: "bool",
  batch: "bool",
  maxReconsumeTimes: "int",
  bname: "string",
});
export type SendMessageRequestHeader = HeaderOf<typeof SendMessageRequestHeader.fields>;

/** SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE: one-letter names, what Java and ali-ons send. */
export const SendMessageRequestHeaderV2 = defineHeader("SendMessageRequestHeaderV2", {
  a: "string!",
  b: "string!",
  c: "string!",
  d: "int!",
  e: "int!",
  f: "int!",
  g: "long!",
  h: "int!",
  i: "string",
  j: "int",
  k: "bool",
  l: "int",
  m: "bool",
  n: "string",
  bname: "string",
});
export type SendMessageRequestHeaderV2 = HeaderOf<typeof SendMessageRequestHeaderV2.fields>;

export const SendMessageResponseHeader = defineHeader("SendMessageResponseHeader", {
  msgId: "string!",
  queueId: "int!",
  queueOffset: "long!",
  transactionId: "string",
});
export type SendMessageResponseHeader = HeaderOf<typeof SendMessageResponseHeader.fields>;

// ---- pull (11) ----
export const PullMessageRequestHeader = defineHeader("PullMessageRequestHeader", {
  consumerGroup: "string!",
  topic: "string!",
  queueId: "int!",
  queueOffset: "long!",
  maxMsgNums: "int!",
  sysFlag: "int!",
  commitOffset: "long!",
  suspendTimeoutMillis: "long!",
  subscription: "string",
  subVersion: "long!",
  expressionType: "string",
  bname: "string",
});
export type PullMessageRequestHeader = HeaderOf<typeof PullMessageRequestHeader.fields>;

export const PullMessageResponseHeader = defineHeader("PullMessageResponseHeader", {
  suggestWhichBrokerId: "long!",
  nextBeginOffset: "long!",
  minOffset: "long!",
  maxOffset: "long!",
});
export type PullMessageResponseHeader = HeaderOf<typeof PullMessageResponseHeader.fields>;

// ---- offsets (14, 15, 29, 30, 31, 32) ----
export const QueryConsumerOffsetRequestHeader = defineHeader("QueryConsumerOffsetRequestHeader", {
  consumerGroup: "string!",
  topic: "string!",
  queueId: "int!",
  bname: "string",
});
export type QueryConsumerOffsetRequestHeader = HeaderOf<typeof QueryConsumerOffsetRequestHeader.fields>;

export const UpdateConsumerOffsetRequestHeader = defineHeader("UpdateConsumerOffsetRequestHeader", {
  consumerGroup: "string!",
  topic: "string!",
  queueId: "int!",
  commitOffset: "long!",
  bname: "string",
});
export type UpdateConsumerOffsetRequestHeader = HeaderOf<typeof UpdateConsumerOffsetRequestHeader.fields>;

/** GET_MAX_OFFSET / GET_MIN_OFFSET / GET_EARLIEST_MSG_STORETIME requests. */
export const TopicQueueRequestHeader = defineHeader("GetMaxOffsetRequestHeader", {
  topic: "string!",
  queueId: "int!",
  bname: "string",
});
export type TopicQueueRequestHeader = HeaderOf<typeof TopicQueueRequestHeader.fields>;
export const GetMaxOffsetRequestHeader = TopicQueueRequestHeader;
export const GetMinOffsetRequestHeader = defineHeader("GetMinOffsetRequestHeader", TopicQueueRequestHeader.fields);
export const GetEarliestMsgStoretimeRequestHeader = defineHeader(
  "GetEarliestMsgStoretimeRequestHeader",
  TopicQueueRequestHeader.fields,
);

/** Response of 14, 29, 30, 31: `offset`. */
export const OffsetResponseHeader = defineHeader("OffsetResponseHeader", { offset: "long!" });
export type OffsetResponseHeader = HeaderOf<typeof OffsetResponseHeader.fields>;

export const SearchOffsetRequestHeader = defineHeader("SearchOffsetRequestHeader", {
  topic: "string!",
  queueId: "int!",
  timestamp: "long!",
  bname: "string",
});
export type SearchOffsetRequestHeader = HeaderOf<typeof SearchOffsetRequestHeader.fields>;

// ---- query / view (12, 33) ----
export const ViewMessageRequestHeader = defineHeader("ViewMessageRequestHeader", { offset: "long!" });
export type ViewMessageRequestHeader = HeaderOf<typeof ViewMessageRequestHeader.fields>;

export const QueryMessageRequestHeader = defineHeader("QueryMessageRequestHeader", {
  topic: "string!",
  key: "string!",
  maxNum: "int!",
  beginTimestamp: "long!",
  endTimestamp: "long!",
  _UNIQUE_KEY_QUERY: "bool",
});
export type QueryMessageRequestHeader = HeaderOf<typeof QueryMessageRequestHeader.fields>;

export const QueryMessageResponseHeader = defineHeader("QueryMessageResponseHeader", {
  indexLastUpdateTimestamp: "long!",
  indexLastUpdatePhyoffset: "long!",
});
export type QueryMessageResponseHeader = HeaderOf<typeof QueryMessageResponseHeader.fields>;

// ---- clients and consumers (35, 36, 38, 40, 203, 208, 307) ----
export const UnregisterClientRequestHeader = defineHeader("UnregisterClientRequestHeader", {
  clientID: "string!",
  producerGroup: "string",
  consumerGroup: "string",
});
export type UnregisterClientRequestHeader = HeaderOf<typeof UnregisterClientRequestHeader.fields>;

export const ConsumerSendMsgBackRequestHeader = defineHeader("ConsumerSendMsgBackRequestHeader", {
  offset: "long!",
  group: "string!",
  delayLevel: "int!",
  originMsgId: "string",
  originTopic: "string",
  unitMode: "bool",
  maxReconsumeTimes: "int",
  bname: "string",
});
export type ConsumerSendMsgBackRequestHeader = HeaderOf<typeof ConsumerSendMsgBackRequestHeader.fields>;

export const GetConsumerListByGroupRequestHeader = defineHeader("GetConsumerListByGroupRequestHeader", {
  consumerGroup: "string!",
});
export const NotifyConsumerIdsChangedRequestHeader = defineHeader("NotifyConsumerIdsChangedRequestHeader", {
  consumerGroup: "string!",
});
export const GetConsumerConnectionListRequestHeader = defineHeader("GetConsumerConnectionListRequestHeader", {
  consumerGroup: "string!",
});
export const GetConsumeStatsRequestHeader = defineHeader("GetConsumeStatsRequestHeader", {
  consumerGroup: "string!",
  topic: "string",
});
export type GetConsumeStatsRequestHeader = HeaderOf<typeof GetConsumeStatsRequestHeader.fields>;
export const GetConsumerRunningInfoRequestHeader = defineHeader("GetConsumerRunningInfoRequestHeader", {
  consumerGroup: "string!",
  clientId: "string!",
  jstackEnable: "bool",
});
export type GetConsumerRunningInfoRequestHeader = HeaderOf<typeof GetConsumerRunningInfoRequestHeader.fields>;

// ---- transactions (37, 39) ----
export const EndTransactionRequestHeader = defineHeader("EndTransactionRequestHeader", {
  producerGroup: "string!",
  tranStateTableOffset: "long!",
  commitLogOffset: "long!",
  commitOrRollback: "int!",
  fromTransactionCheck: "bool",
  msgId: "string!",
  transactionId: "string",
  bname: "string",
});
export type EndTransactionRequestHeader = HeaderOf<typeof EndTransactionRequestHeader.fields>;

export const CheckTransactionStateRequestHeader = defineHeader("CheckTransactionStateRequestHeader", {
  tranStateTableOffset: "long!",
  commitLogOffset: "long!",
  msgId: "string",
  transactionId: "string",
  offsetMsgId: "string",
  bname: "string",
});
export type CheckTransactionStateRequestHeader = HeaderOf<typeof CheckTransactionStateRequestHeader.fields>;

// ---- topics and groups (17, 202, 207, 215) ----
export const CreateTopicRequestHeader = defineHeader("CreateTopicRequestHeader", {
  topic: "string!",
  defaultTopic: "string!",
  readQueueNums: "int!",
  writeQueueNums: "int!",
  perm: "int!",
  topicFilterType: "string!",
  topicSysFlag: "int",
  order: "bool!",
});
export type CreateTopicRequestHeader = HeaderOf<typeof CreateTopicRequestHeader.fields>;

export const DeleteTopicRequestHeader = defineHeader("DeleteTopicRequestHeader", { topic: "string!" });
export const GetTopicStatsInfoRequestHeader = defineHeader("GetTopicStatsInfoRequestHeader", { topic: "string!" });
export const DeleteSubscriptionGroupRequestHeader = defineHeader("DeleteSubscriptionGroupRequestHeader", {
  groupName: "string!",
  removeOffset: "bool",
});

// ---- namesrv (100–106, 205, 216, 219, 224, 322, 327) ----
export const RegisterBrokerRequestHeader = defineHeader("RegisterBrokerRequestHeader", {
  brokerName: "string!",
  brokerAddr: "string!",
  clusterName: "string!",
  haServerAddr: "string!",
  brokerId: "long!",
  compressed: "bool",
  bodyCrc32: "int",
});
export type RegisterBrokerRequestHeader = HeaderOf<typeof RegisterBrokerRequestHeader.fields>;

export const RegisterBrokerResponseHeader = defineHeader("RegisterBrokerResponseHeader", {
  haServerAddr: "string",
  masterAddr: "string",
});
export type RegisterBrokerResponseHeader = HeaderOf<typeof RegisterBrokerResponseHeader.fields>;

/** UNREGISTER_BROKER and QUERY_DATA_VERSION requests. */
export const UnRegisterBrokerRequestHeader = defineHeader("UnRegisterBrokerRequestHeader", {
  brokerName: "string!",
  brokerAddr: "string!",
  clusterName: "string!",
  brokerId: "long!",
});
export type UnRegisterBrokerRequestHeader = HeaderOf<typeof UnRegisterBrokerRequestHeader.fields>;
export const QueryDataVersionRequestHeader = defineHeader(
  "QueryDataVersionRequestHeader",
  UnRegisterBrokerRequestHeader.fields,
);

export const GetRouteInfoRequestHeader = defineHeader("GetRouteInfoRequestHeader", {
  topic: "string!",
  acceptStandardJsonOnly: "bool",
});
export type GetRouteInfoRequestHeader = HeaderOf<typeof GetRouteInfoRequestHeader.fields>;

export const PutKVConfigRequestHeader = defineHeader("PutKVConfigRequestHeader", {
  namespace: "string!",
  key: "string!",
  value: "string!",
});
export const GetKVConfigRequestHeader = defineHeader("GetKVConfigRequestHeader", {
  namespace: "string!",
  key: "string!",
});
export const DeleteKVConfigRequestHeader = defineHeader("DeleteKVConfigRequestHeader", GetKVConfigRequestHeader.fields);
export const GetKVListByNamespaceRequestHeader = defineHeader("GetKVListByNamespaceRequestHeader", {
  namespace: "string!",
});

export const DeleteTopicFromNamesrvRequestHeader = defineHeader("DeleteTopicFromNamesrvRequestHeader", {
  topic: "string!",
  clusterName: "string",
});
export const WipeWritePermOfBrokerRequestHeader = defineHeader("WipeWritePermOfBrokerRequestHeader", {
  brokerName: "string!",
});
export const AddWritePermOfBrokerRequestHeader = defineHeader("AddWritePermOfBrokerRequestHeader", {
  brokerName: "string!",
});
export const GetTopicsByClusterRequestHeader = defineHeader("GetTopicsByClusterRequestHeader", { cluster: "string!" });
