// Response codes of RocketMQ 4.9.7 (ResponseCode.java + RemotingSysResponseCode.java) as ONE
// table of { code, name, retriable, message }, plus an explicit fallback for unknown codes.
// `retriable` = the Java producer retries the send on another broker for this code
// (DefaultMQProducer.retryResponseCodes: 17, 14, 1, 16, 204, 205).

export interface ResponseCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly message: string;
}

export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
  SUBSCRIPTION_PARSE_FAILED: 23,
  SUBSCRIPTION_NOT_EXIST: 24,
  SUBSCRIPTION_NOT_LATEST: 25,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  FILTER_DATA_NOT_EXIST: 27,
  FILTER_DATA_NOT_LATEST: 28,
  TRANSACTION_SHOULD_COMMIT: 200,
  TRANSACTION_SHOULD_ROLLBACK: 201,
  TRANSACTION_STATE_UNKNOW: 202,
  TRANSACTION_STATE_GROUP_WRONG: 203,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  CONSUMER_NOT_ONLINE: 206,
  CONSUME_MSG_TIMEOUT: 207,
  NO_MESSAGE: 208,
  UPDATE_AND_CREATE_ACL_CONFIG_FAILED: 209,
  DELETE_ACL_CONFIG_FAILED: 210,
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: 211,
  FLOW_CONTROL: 215,
} as const;

export type ResponseCodeName = keyof typeof ResponseCode;

const messages: Record<ResponseCodeName, string> = {
  SUCCESS: "success",
  SYSTEM_ERROR: "system error (exception in the handler)",
  SYSTEM_BUSY: "system busy, flow control",
  REQUEST_CODE_NOT_SUPPORTED: "request code not supported",
  TRANSACTION_FAILED: "transaction failed",
  FLUSH_DISK_TIMEOUT: "stored, but flushing to disk timed out",
  SLAVE_NOT_AVAILABLE: "stored, but no slave available for sync replication",
  FLUSH_SLAVE_TIMEOUT: "stored, but the slave did not ack in time",
  MESSAGE_ILLEGAL: "message illegal (size, properties or topic)",
  SERVICE_NOT_AVAILABLE: "service not available (slave, shutting down or not writable)",
  VERSION_NOT_SUPPORTED: "version not supported",
  NO_PERMISSION: "no permission",
  TOPIC_NOT_EXIST: "topic does not exist",
  TOPIC_EXIST_ALREADY: "topic exists already",
  PULL_NOT_FOUND: "no new message",
  PULL_RETRY_IMMEDIATELY: "no matched message, retry immediately",
  PULL_OFFSET_MOVED: "pull offset illegal (moved)",
  QUERY_NOT_FOUND: "not found",
  SUBSCRIPTION_PARSE_FAILED: "subscription expression could not be parsed",
  SUBSCRIPTION_NOT_EXIST: "subscription does not exist",
  SUBSCRIPTION_NOT_LATEST: "subscription not the latest",
  SUBSCRIPTION_GROUP_NOT_EXIST: "subscription group does not exist",
  FILTER_DATA_NOT_EXIST: "filter data does not exist",
  FILTER_DATA_NOT_LATEST: "filter data not the latest",
  TRANSACTION_SHOULD_COMMIT: "transaction should commit",
  TRANSACTION_SHOULD_ROLLBACK: "transaction should roll back",
  TRANSACTION_STATE_UNKNOW: "transaction state unknown",
  TRANSACTION_STATE_GROUP_WRONG: "transaction state group wrong",
  NO_BUYER_ID: "no buyer id",
  NOT_IN_CURRENT_UNIT: "not in current unit",
  CONSUMER_NOT_ONLINE: "consumer not online",
  CONSUME_MSG_TIMEOUT: "consume message timed out",
  NO_MESSAGE: "no message",
  UPDATE_AND_CREATE_ACL_CONFIG_FAILED: "update or create ACL config failed",
  DELETE_ACL_CONFIG_FAILED: "delete ACL config failed",
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: "update global white addresses failed",
  FLOW_CONTROL: "flow control",
};

const retriableNames: ReadonlySet<ResponseCodeName> = new Set<ResponseCodeName>([
  "TOPIC_NOT_EXIST",
  "SERVICE_NOT_AVAILABLE",
  "SYSTEM_ERROR",
  "NO_PERMISSION",
  "NO_BUYER_ID",
  "NOT_IN_CURRENT_UNIT",
]);

export const responseCodeTable: readonly ResponseCodeInfo[] = (
  Object.entries(ResponseCode) as [ResponseCodeName, number][]
).map(([name, code]) => ({ code, name, retriable: retriableNames.has(name), message: messages[name] }));

const infoByCode: ReadonlyMap<number, ResponseCodeInfo> = new Map(
  responseCodeTable.map((info) => [info.code, info]),
);

/** The table entry for a code; unknown codes get a fallback entry (not retriable). */
export function responseCodeInfo(code: number): ResponseCodeInfo {
  return (
    infoByCode.get(code) ?? {
      code,
      name: `UNKNOWN_RESPONSE_${code}`,
      retriable: false,
      message: `unknown response code ${code}`,
    }
  );
}

export function responseCodeName(code: number): string {
  return responseCodeInfo(code).name;
}
