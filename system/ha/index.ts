// Public API of system/ha: RocketMQ 4.x master→slave replication (HAService, HAConnection,
// HAClient, GroupTransferService), the slave's metadata sync (SlaveSynchronize), the wire
// codec, and BrokerHA, which wires them into a broker by role.
export { BrokerHA, configuredHaMasterAddress } from "./broker_ha.ts";
export type { BrokerHAOptions, MasterAddresses } from "./broker_ha.ts";
export { HAService } from "./ha_service.ts";
export type { HAServiceConfig } from "./ha_service.ts";
export { HAConnection, transferStartFor } from "./ha_connection.ts";
export type { HAMasterConfig } from "./ha_connection.ts";
export { HAClient } from "./ha_client.ts";
export type { HAClientConfig, HAClientStats } from "./ha_client.ts";
export { GroupTransferService } from "./group_transfer.ts";
export type { ReplicaStatus } from "./group_transfer.ts";
export { SlaveSynchronize } from "./slave_synchronize.ts";
export type { MasterInvoker, SlaveSyncTarget, SyncRound, SyncStep } from "./slave_synchronize.ts";
export {
  encodeOffsetReport, encodeTransferFrame, encodeTransferHeader, HAFrameError, OffsetReportReader, TransferFrameDecoder,
} from "./ha_frame.ts";
export type { TransferFrame } from "./ha_frame.ts";
export { haStorePortOf } from "./ha_store_port.ts";
export type { HAStorePort } from "./ha_store_port.ts";
export * from "./ha_constants.ts";
