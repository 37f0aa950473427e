// Public API of the namesrv.
export { NamesrvController } from "./namesrv_controller.ts";
export { defaultNamesrvConfig, namesrvConfigFromProperties, namesrvConfigKeys, namesrvConfigProblems } from "./namesrv_config.ts";
export type { NamesrvConfig } from "./namesrv_config.ts";
export { RouteInfoManager, snapshotRoutes } from "./route_info_manager.ts";
export type { BrokerLiveInfo, RegisterBrokerArgs, RegisterBrokerResult, RemovalReason, RouteSnapshot } from "./route_info_manager.ts";
export { KVConfigManager, NAMESPACE_ORDER_TOPIC_CONFIG } from "./kv_config_manager.ts";
export { APPLY_TOPIC_URL, bodyCrc32, suggestTodo } from "./namesrv_processor.ts";
export type { NamesrvTestFaults } from "./test_faults.ts";
