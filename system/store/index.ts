// Public API of system/store: RocketMQ's storage engine over env.disk.

export { DefaultMessageStore } from "./message_store.ts";
export type { ReplicationWaiter, PutOptions } from "./message_store.ts";
export {
  defaultStoreConfig, storeConfigProblem, parseDelayLevels, parseDeleteWhen, offsetToFileName,
  STORE_CONFIG_ALIASES, CQ_STORE_UNIT_SIZE, OS_PAGE_SIZE,
} from "./store_config.ts";
export type { StoreConfig, FlushDiskType, BrokerRole } from "./store_config.ts";
export { isPutStored } from "./status.ts";
export type {
  PutMessageStatus, PutMessageResult, AppendMessageResult, GetMessageStatus, GetMessageResult, QueryMessageResult,
  TagsCodeFilter, MessageArrivingListener,
} from "./status.ts";
export {
  rewriteForDelay, messageTimeup, encodeDelayOffsets, decodeDelayOffsets,
} from "./schedule_message_service.ts";
export { computeDeliverTimestamp, tagsCodeOf } from "./dispatch_request.ts";
export type { RecoveryReport } from "./recovery.ts";
