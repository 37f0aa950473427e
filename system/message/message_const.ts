// Constants of RocketMQ's message model: property keys (MessageConst), sysFlag bits
// (MessageSysFlag), pull sysFlag bits (PullSysFlag), record magic codes and system topics.
// Values are RocketMQ 4.9.7's; nothing here may change without breaking wire compatibility.

/** Standard property keys [common/.../message/MessageConst.java]. */
export const MessageConst = {
  KEYS: "KEYS",
  TAGS: "TAGS",
  WAIT_STORE_MSG_OK: "WAIT",
  DELAY_TIME_LEVEL: "DELAY",
  RETRY_TOPIC: "RETRY_TOPIC",
  REAL_TOPIC: "REAL_TOPIC",
  REAL_QUEUE_ID: "REAL_QID",
  TRANSACTION_PREPARED: "TRAN_MSG",
  PRODUCER_GROUP: "PGROUP",
  MIN_OFFSET: "MIN_OFFSET",
  MAX_OFFSET: "MAX_OFFSET",
  BUYER_ID: "BUYER_ID",
  ORIGIN_MESSAGE_ID: "ORIGIN_MESSAGE_ID",
  TRANSFER_FLAG: "TRANSFER_FLAG",
  CORRECTION_FLAG: "CORRECTION_FLAG",
  MQ2_FLAG: "MQ2_FLAG",
  RECONSUME_TIME: "RECONSUME_TIME",
  MSG_REGION: "MSG_REGION",
  TRACE_SWITCH: "TRACE_ON",
  UNIQ_CLIENT_MESSAGE_ID_KEYIDX: "UNIQ_KEY",
  MAX_RECONSUME_TIMES: "MAX_RECONSUME_TIMES",
  CONSUME_START_TIMESTAMP: "CONSUME_START_TIME",
  TRANSACTION_PREPARED_QUEUE_OFFSET: "TRAN_PREPARED_QUEUE_OFFSET",
  TRANSACTION_CHECK_TIMES: "TRANSACTION_CHECK_TIMES",
  CHECK_IMMUNITY_TIME_IN_SECONDS: "CHECK_IMMUNITY_TIME_IN_SECONDS",
  INSTANCE_ID: "INSTANCE_ID",
  CORRELATION_ID: "CORRELATION_ID",
  MESSAGE_REPLY_TO_CLIENT: "REPLY_TO_CLIENT",
  MESSAGE_TTL: "TTL",
  REPLY_MESSAGE_ARRIVE_TIME: "ARRIVE_TIME",
  PUSH_REPLY_TIME: "PUSH_REPLY_TIME",
  CLUSTER: "CLUSTER",
  MESSAGE_TYPE: "MSG_TYPE",
  INNER_MULTI_DISPATCH: "INNER_MULTI_DISPATCH",
  INNER_MULTI_QUEUE_OFFSET: "INNER_MULTI_QUEUE_OFFSET",
  /** Separator between several KEYS entries. */
  KEY_SEPARATOR: " ",
} as const;

/** Message sysFlag bits [common/.../sysflag/MessageSysFlag.java]. */
export const MessageSysFlag = {
  COMPRESSED_FLAG: 0x1,
  MULTI_TAGS_FLAG: 0x2,
  TRANSACTION_NOT_TYPE: 0,
  TRANSACTION_PREPARED_TYPE: 0x1 << 2,
  TRANSACTION_COMMIT_TYPE: 0x2 << 2,
  TRANSACTION_ROLLBACK_TYPE: 0x3 << 2,
  BORNHOST_V6_FLAG: 0x1 << 4,
  STOREHOSTADDRESS_V6_FLAG: 0x1 << 5,
} as const;

/** The transaction type bits (2-3) of a sysFlag. */
export function transactionType(sysFlag: number): number {
  return sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
}

/** Sets the transaction type bits of a sysFlag to `type` (one of the TRANSACTION_* values). */
export function withTransactionType(sysFlag: number, type: number): number {
  return (sysFlag & ~MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) | type;
}

/** Pull request sysFlag bits [common/.../sysflag/PullSysFlag.java]. */
export const PullSysFlag = {
  FLAG_COMMIT_OFFSET: 0x1,
  FLAG_SUSPEND: 0x1 << 1,
  FLAG_SUBSCRIPTION: 0x1 << 2,
  FLAG_CLASS_FILTER: 0x1 << 3,
  FLAG_LITE_PULL_MESSAGE: 0x1 << 4,
} as const;

export function buildPullSysFlag(
  commitOffset: boolean, suspend: boolean, subscription: boolean, classFilter: boolean,
): number {
  let flag = 0;
  if (commitOffset) flag |= PullSysFlag.FLAG_COMMIT_OFFSET;
  if (suspend) flag |= PullSysFlag.FLAG_SUSPEND;
  if (subscription) flag |= PullSysFlag.FLAG_SUBSCRIPTION;
  if (classFilter) flag |= PullSysFlag.FLAG_CLASS_FILTER;
  return flag;
}

/** MESSAGE_MAGIC_CODE of the v4 stored record ("MessageVersion V1"), as a signed int. */
export const MESSAGE_MAGIC_CODE = 0xdaa320a7 | 0; // -626843481
/** Magic of the end-of-file filler in a commit-log file. */
export const BLANK_MAGIC_CODE = 0xcbd43194 | 0; // -875286124

export const NAME_VALUE_SEPARATOR = "\u0001";
export const PROPERTY_SEPARATOR = "\u0002";

/** System topics [common/.../topic/TopicValidator.java]. */
export const SystemTopic = {
  AUTO_CREATE_TOPIC_KEY: "TBW102",
  SCHEDULE_TOPIC: "SCHEDULE_TOPIC_XXXX",
  BENCHMARK_TOPIC: "BenchmarkTest",
  TRANS_HALF_TOPIC: "RMQ_SYS_TRANS_HALF_TOPIC",
  TRACE_TOPIC: "RMQ_SYS_TRACE_TOPIC",
  TRANS_OP_HALF_TOPIC: "RMQ_SYS_TRANS_OP_HALF_TOPIC",
  TRANS_CHECK_MAX_TIME_TOPIC: "TRANS_CHECK_MAX_TIME_TOPIC",
  SELF_TEST_TOPIC: "SELF_TEST_TOPIC",
  OFFSET_MOVED_EVENT: "OFFSET_MOVED_EVENT",
} as const;

/** Prefixes of retry and dead-letter topics [common/.../MixAll.java]. */
export const RETRY_GROUP_TOPIC_PREFIX = "%RETRY%";
export const DLQ_GROUP_TOPIC_PREFIX = "%DLQ%";
